"""Slack-side faults (issue §4): an expired or used-up response_url, `ratelimited`,
`expired_trigger_id` and `not_in_channel` — each survived, and told to the person where Slack
leaves a way to reach them.
"""

from __future__ import annotations

import httpx
import pytest

from bot.sandbox.signing import command_body
from bot.slack import cards
from tests.security.checks import (
    ACK_BOUND_SECONDS,
    THREAD_MESSAGE,
    assert_acked,
    assert_no_upstream,
    fresh,
    member_card,
    only_record,
    warnings_of,
)
from tests.support.harness import (
    CHANNEL,
    JANE,
    MEMBER,
    NOBOT_CHANNEL,
    BotHarness,
    button,
    card_text,
)

# -- Slack-side faults (issue §4) ---------------------------------------------------------------


@pytest.mark.parametrize("fault", ["expired", "used_up"])
def test_slack_fault_response_url_expired_or_used_up(bot: BotHarness, fault: str) -> None:
    bot.post_command("help")  # warm the access cache
    url = bot.slack.new_response_url()
    if fault == "expired":
        bot.slack.fail_response_url(url, 404, "expired_url")
    else:
        filler = cards.build_notice_message("earlier reply")
        for _ in range(5):
            assert httpx.post(url, json=filler).status_code == 200
    mark = fresh(bot)
    body = command_body(f"email:{JANE}", user_id=MEMBER, channel_id=CHANNEL, response_url=url)
    with warnings_of("bot.slack.delivery") as alerts:
        response, elapsed, _ = bot.send(body)
        assert response.status_code == 200 and elapsed < ACK_BOUND_SECONDS
        assert "Looking up" in card_text(response.json())  # the person was told this much
        only_record(mark, action="lookup", outcome="shown")
    # Slack's refusal is noted by status and code only; the URL itself is never logged.
    assert any("404" in m for m in alerts.messages), alerts.messages
    assert not any("/response/" in m for m in alerts.messages)
    assert len(bot.slack.responses(url)) == (0 if fault == "expired" else 5)
    # Nothing is stuck: the next lookup works.
    sent = bot.post_command(f"email:{JANE}")
    assert "Jane Doe" in card_text(bot.wait_response(sent.response_url))


def test_slack_fault_ratelimited_with_retry_after(bot: BotHarness) -> None:
    # The message shortcut's views.open is rate-limited: told through the response_url.
    bot.slack.fail("views.open", "ratelimited", status=429, headers={"Retry-After": "30"}, times=1)
    sent = bot.post_shortcut(THREAD_MESSAGE)
    assert_acked(sent)
    notice = bot.wait_response(sent.response_url)
    assert "run the shortcut again" in card_text(notice)
    assert_no_upstream(bot)

    # Sharing, when chat.postMessage is rate-limited: the modal says nothing was shared.
    card = member_card(bot)
    bot.post_action("profile_share", button(card, "profile_share")["value"])
    view_id, _ = bot.wait_view(lambda v: v.get("callback_id") == "share_confirm")
    bot.slack.fail(
        "chat.postMessage", "ratelimited", status=429, headers={"Retry-After": "30"}, times=1
    )
    mark = fresh(bot)
    bot.post_view_submission(view_id)
    _, told = bot.wait_view(lambda v: "nothing was shared" in card_text(v))
    assert "ratelimited" in card_text(told)
    only_record(mark, action="share", outcome="share_refused", detail="ratelimited")
    assert len(bot.slack.calls("chat.postMessage")) == 1  # no retry storm against Slack


def test_slack_fault_expired_trigger_id(bot: BotHarness) -> None:
    # The message shortcut: the loading modal cannot open; the person is told how to recover.
    trigger = bot.new_trigger_id()
    bot.slack.expire_trigger(trigger)
    sent = bot.post_shortcut(THREAD_MESSAGE, trigger_id=trigger)
    assert_acked(sent)
    assert "run the shortcut again" in card_text(bot.wait_response(sent.response_url))
    assert_no_upstream(bot)
    # A card button whose views.open comes too late.
    card = member_card(bot)
    bot.slack.fail("views.open", "expired_trigger_id", times=1)
    pressed = bot.post_action("profile_all_traits", button(card, "profile_all_traits")["value"])
    assert_acked(pressed)
    assert "press the button again" in card_text(bot.wait_response(pressed.response_url))


def test_slack_fault_not_in_channel_when_sharing(bot: BotHarness) -> None:
    sent = bot.post_command(f"email:{JANE}", channel=NOBOT_CHANNEL)
    card = bot.wait_response(sent.response_url)
    bot.post_action("profile_share", button(card, "profile_share")["value"], channel=NOBOT_CHANNEL)
    view_id, _ = bot.wait_view(lambda v: v.get("callback_id") == "share_confirm")
    mark = fresh(bot)
    bot.post_view_submission(view_id)
    _, told = bot.wait_view(lambda v: "Invite @profile-bot" in card_text(v))
    assert "share by copy" in card_text(told)
    only_record(mark, action="share", outcome="share_refused", detail="not_in_channel")
