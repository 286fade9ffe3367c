"""Share: policy checks (off, Slack Connect), the confirmation preview, posting, not_in_channel."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.support.harness import (
    CHANNEL,
    COLLEAGUE,
    EXT_CHANNEL,
    JANE,
    MEMBER,
    NOBOT_CHANNEL,
    BotHarness,
    button,
    card_text,
    has_button,
)


def card_in(bot: BotHarness, channel: str) -> dict[str, Any]:
    sent = bot.post_command(f"email:{JANE}", channel=channel)
    return bot.wait_response(sent.response_url)


def press_share(bot: BotHarness, card: dict[str, Any], channel: str) -> tuple[str, dict[str, Any]]:
    bot.post_action("profile_share", button(card, "profile_share")["value"], channel=channel)
    # The share modal opens as "Preparing to share…", then becomes the preview or a refusal.
    return bot.wait_view(lambda v: "Preparing to share" not in card_text(v))


def test_share_with_confirmation_posts_shareable_traits_only(bot: BotHarness) -> None:
    card = card_in(bot, CHANNEL)
    view_id, confirm = press_share(bot, card, CHANNEL)
    assert confirm["callback_id"] == "share_confirm"
    assert "Preview" in card_text(confirm)
    assert bot.slack.calls("chat.postMessage") == []  # nothing posted before confirming

    answer = bot.post_view_submission(view_id).json()
    assert answer["response_action"] == "update"
    [post] = bot.slack.wait_for_calls("chat.postMessage")
    assert post.params["channel"] == CHANNEL
    assert "thread_ts" not in post.params or not post.params["thread_ts"]
    posted = card_text({"blocks": post.params["blocks"]})
    assert "Jane Doe" in posted and "Acme Corp" in posted
    assert JANE not in posted  # email is not a shareable trait
    assert "+15555550188" not in posted
    assert not any(b.get("type") == "actions" for b in post.params["blocks"])
    assert f"<@{MEMBER}>" in posted
    bot.wait_view(lambda v: "Shared." in card_text(v))
    [record] = bot.wait_audit(action="share", outcome="shared")
    assert record["user_id"] == MEMBER


def test_share_from_a_thread_posts_in_the_thread(bot: BotHarness) -> None:
    message = {
        "type": "message",
        "user": COLLEAGUE,
        "text": f"customer is {JANE}",
        "ts": "1699999999.000200",
        "thread_ts": "1699999000.000100",
    }
    bot.post_shortcut(message)
    view_id, view = bot.wait_view(lambda v: "Jane Doe" in card_text(v))
    bot.post_action("profile_share", button(view, "profile_share")["value"], view_id=view_id)
    confirm_id, _ = bot.wait_view(lambda v: v.get("callback_id") == "share_confirm")
    bot.post_view_submission(confirm_id)
    [post] = bot.slack.wait_for_calls("chat.postMessage")
    assert post.params["thread_ts"] == "1699999000.000100"
    assert post.params["channel"] == CHANNEL


def test_external_channel_is_refused(bot: BotHarness) -> None:
    card = card_in(bot, EXT_CHANNEL)
    _, view = press_share(bot, card, EXT_CHANNEL)
    assert "another organisation" in card_text(view)
    bot.settle()
    assert bot.slack.calls("chat.postMessage") == []
    [record] = bot.wait_audit(action="share")
    assert record["outcome"] == "share_refused"
    assert record["detail"] == "external_channel"


def test_external_channel_allowed_by_setting_warns(make_bot: Callable[..., BotHarness]) -> None:
    bot = make_bot(env={"PROFILE_SHARE_TO_EXTERNAL_CHANNELS": "true"})
    card = card_in(bot, EXT_CHANNEL)
    view_id, confirm = press_share(bot, card, EXT_CHANNEL)
    assert confirm["callback_id"] == "share_confirm"
    assert "outside your organisation" in card_text(confirm)
    bot.post_view_submission(view_id)
    [post] = bot.slack.wait_for_calls("chat.postMessage")
    assert post.params["channel"] == EXT_CHANNEL


def test_sharing_disabled(make_bot: Callable[..., BotHarness]) -> None:
    bot = make_bot(env={"PROFILE_SHARING_ENABLED": "false"})
    card = card_in(bot, CHANNEL)
    assert not has_button(card, "profile_share")
    # A forged Share press (the ref is real) is refused too.
    ref = button(card, "profile_all_traits")["value"]
    sent = bot.post_action("profile_share", ref)
    assert "turned off" in card_text(bot.wait_response(sent.response_url))
    bot.settle()
    assert bot.slack.calls("views.open") == []
    assert bot.slack.calls("chat.postMessage") == []
    assert bot.wait_audit(action="share", outcome="share_refused")


def test_not_in_channel_tells_the_person(bot: BotHarness) -> None:
    card = card_in(bot, NOBOT_CHANNEL)
    view_id, confirm = press_share(bot, card, NOBOT_CHANNEL)
    assert confirm["callback_id"] == "share_confirm"
    bot.post_view_submission(view_id)
    _, view = bot.wait_view(lambda v: "Invite @profile-bot" in card_text(v))
    assert "share by copy" in card_text(view)
    [record] = bot.wait_audit(action="share")
    assert record["outcome"] == "share_refused"
    assert record["detail"] == "not_in_channel"


def test_unknown_channel_is_refused_before_the_preview(bot: BotHarness) -> None:
    card = card_in(bot, "C0UNKNOWN")
    _, view = press_share(bot, card, "C0UNKNOWN")
    assert "Invite @profile-bot" in card_text(view)
    assert bot.slack.calls("chat.postMessage") == []


def test_missing_scope_for_the_channel_check_fails_closed(bot: BotHarness) -> None:
    card = card_in(bot, CHANNEL)
    bot.slack.fail("conversations.info", "missing_scope")
    _, view = press_share(bot, card, CHANNEL)
    assert "can't check whether" in card_text(view)
    assert bot.slack.calls("chat.postMessage") == []
