"""Slack-side faults (issue §4): an expired or used-up response_url (the card then goes by
chat.postEphemeral), `ratelimited`, `expired_trigger_id` and `not_in_channel` — each survived,
and told to the person where Slack leaves a way to reach them.
"""

from __future__ import annotations

import socket
import time
from typing import Any

import httpx
import pytest

from bot.sandbox.signing import command_body
from bot.slack import cards
from tests.security.checks import (
    ACK_BOUND_SECONDS,
    THREAD_MESSAGE,
    Mark,
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
    has_button,
)

# -- Slack-side faults (issue §4) ---------------------------------------------------------------


def dead_response_url(bot: BotHarness, fault: str) -> str:
    """A response_url Slack refuses: expired (404 expired_url) or already used five times."""
    url = bot.slack.new_response_url()
    if fault == "expired":
        bot.slack.fail_response_url(url, 404, "expired_url")
    else:
        filler = cards.build_notice_message("earlier reply")
        for _ in range(5):
            assert httpx.post(url, json=filler).status_code == 200
    return url


def lookup_through(bot: BotHarness, url: str) -> None:
    """`/profile email:<Jane>` whose answers must go to `url`; the ack is fast and says
    "Looking up…"."""
    body = command_body(f"email:{JANE}", user_id=MEMBER, channel_id=CHANNEL, response_url=url)
    response, elapsed, _ = bot.send(body)
    assert response.status_code == 200 and elapsed < ACK_BOUND_SECONDS
    assert "Looking up" in card_text(response.json())  # the person was told this much


def new_records(mark: Mark, count: int) -> list[dict[str, Any]]:
    """Exactly `count` audit records since `mark` (waiting for them, then for any extra)."""
    mark.bot.wait_until(lambda: len(mark.new_records()) >= count)
    mark.bot.settle()
    time.sleep(0.05)
    records = mark.new_records()
    assert len(records) == count, records
    return records


@pytest.mark.parametrize("fault", ["expired", "used_up"])
def test_slack_fault_response_url_expired_or_used_up(bot: BotHarness, fault: str) -> None:
    bot.post_command("help")  # warm the access cache
    url = dead_response_url(bot, fault)
    mark = fresh(bot)
    with warnings_of("bot.slack.delivery.messages") as alerts:
        lookup_through(bot, url)
        # The card still reaches the person: chat.postEphemeral, to them alone, in that channel.
        [post] = bot.slack.wait_for_calls("chat.postEphemeral")
        lookup, delivery = new_records(mark, 2)
    assert post.params["channel"] == CHANNEL and post.params["user"] == MEMBER
    card = {"text": post.params["text"], "blocks": post.params["blocks"]}
    assert "Jane Doe" in card_text(card) and has_button(card, "profile_more_events")
    assert bot.slack.calls("chat.postMessage") == []  # never a message in the channel's history
    assert len(bot.slack.responses(url)) == (0 if fault == "expired" else 5)
    code = "expired_url" if fault == "expired" else "used_up"
    assert lookup["action"] == "lookup" and lookup["outcome"] == "shown"
    assert delivery["action"] == "delivery" and delivery["outcome"] == "ephemeral_fallback"
    assert delivery["detail"] == code and delivery["user_id"] == MEMBER
    assert delivery["channel_id"] == CHANNEL and delivery["id_hash"] == lookup["id_hash"]
    # Slack's refusal is noted by status and code only; the URL itself is never logged.
    assert any("404" in m and code in m for m in alerts.messages), alerts.messages
    assert not any("/response/" in m for m in alerts.messages)

    # The fallback card works like any other: its buttons answer through their own response_url.
    pressed = bot.post_action("profile_more_events", button(card, "profile_more_events")["value"])
    assert_acked(pressed)
    assert "Recent events" in card_text(bot.wait_response(pressed.response_url))
    # Nothing is stuck: the next lookup works through its response_url as usual.
    sent = bot.post_command(f"email:{JANE}")
    assert "Jane Doe" in card_text(bot.wait_response(sent.response_url))
    assert len(bot.slack.calls("chat.postEphemeral")) == 1


@pytest.mark.parametrize("error", ["user_not_in_channel", "channel_not_found", "not_in_channel"])
def test_slack_fault_response_url_dead_and_ephemeral_refused(bot: BotHarness, error: str) -> None:
    bot.post_command("help")  # warm the access cache
    url = dead_response_url(bot, "expired")
    bot.slack.fail("chat.postEphemeral", error)
    mark = fresh(bot)
    with warnings_of("bot.slack.delivery.messages") as alerts:
        lookup_through(bot, url)
        lookup, delivery = new_records(mark, 2)
    # Nothing reached the person, and nothing crashed: the lookup and the loss are audited.
    assert len(bot.slack.calls("chat.postEphemeral")) == 1
    assert bot.slack.calls("chat.postMessage") == [] and bot.slack.responses(url) == []
    assert lookup["action"] == "lookup" and lookup["outcome"] == "shown"
    assert delivery["action"] == "delivery" and delivery["outcome"] == "undelivered"
    assert delivery["detail"] == f"expired_url then {error}"
    assert delivery["user_id"] == MEMBER and delivery["channel_id"] == CHANNEL
    # Logged by Slack's error codes alone: no URL, channel, user or customer.
    assert any(m == f"chat.postEphemeral failed: {error}" for m in alerts.messages), alerts.messages
    for message in alerts.messages:
        for needle in ("/response/", CHANNEL, MEMBER, JANE, "Jane"):
            assert needle not in message, message
    assert bot.services.jobs.pending == 0
    bot.slack.clear_failures()
    sent = bot.post_command(f"email:{JANE}")
    assert "Jane Doe" in card_text(bot.wait_response(sent.response_url))


def test_slack_fault_response_url_unreachable_falls_back(bot: BotHarness) -> None:
    # A response_url that answers 500, then one nobody listens on: any failure falls back.
    url = bot.slack.new_response_url()
    bot.slack.fail_response_url(url, 500, "<html>oops</html>")
    mark = fresh(bot)
    lookup_through(bot, url)
    [post] = bot.slack.wait_for_calls("chat.postEphemeral")
    assert post.params["channel"] == CHANNEL and post.params["user"] == MEMBER
    assert new_records(mark, 2)[1]["detail"] == "http_500"

    # A port with no server behind it is not SLACK_API_URL's origin, so the bot does not even
    # try it (scenario 34); tests/slack/test_delivery.py proves an unreachable allowed URL.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    mark = fresh(bot)
    lookup_through(bot, f"http://127.0.0.1:{port}/response/gone")
    bot.slack.wait_for_calls("chat.postEphemeral", 2)
    delivery = new_records(mark, 2)[1]
    assert delivery["outcome"] == "ephemeral_fallback"
    assert delivery["detail"] == "untrusted_response_url"


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
    assert "press All traits again" in card_text(bot.wait_response(pressed.response_url))


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
