"""DMs to the bot (message.im) over real HTTP: a card per identifier in that DM (in the thread),
a picker for more than three, help for none; bots, edits, deletions and re-deliveries ignored;
non-members refused with no Profile API request; Share from a DM card asks where to."""

from __future__ import annotations

import json
from typing import Any

from bot.sandbox.faults import Fault
from tests.support.chat_events import dm_event, new_ts, posted
from tests.support.harness import (
    CHANNEL,
    EXT_CHANNEL,
    JANE,
    MEMBER,
    OUTSIDER,
    BotHarness,
    button,
    card_text,
)

TOM = "tom.becker@example.org"
PRIYA = "priya.raman@example.com"


def test_an_email_in_a_dm_gets_the_card_in_that_dm(bot: BotHarness) -> None:
    event = dm_event(bot, f"can you check <mailto:{JANE}|{JANE}> please")
    sent = bot.post_event(event)
    assert sent.response.status_code == 200
    [card] = posted(bot, "chat.postMessage")
    assert card["channel"] == event["channel"]
    assert "thread_ts" not in card  # written at the top level, answered at the top level
    assert "Jane Doe" in card_text(card)
    for action_id in ("profile_all_traits", "profile_share", "profile_open_in_segment"):
        button(card, action_id)  # a DM card keeps every button
    [record] = bot.wait_audit(action="lookup")
    assert record["entry_point"] == "dm"
    assert record["outcome"] == "shown"
    assert bot.slack.calls("chat.postEphemeral") == []


def test_a_message_in_a_thread_is_answered_in_that_thread(bot: BotHarness) -> None:
    parent = new_ts()
    bot.post_event(dm_event(bot, JANE, thread_ts=parent))
    [card] = posted(bot, "chat.postMessage")
    assert card["thread_ts"] == parent


def test_three_identifiers_three_cards_more_get_a_picker(bot: BotHarness) -> None:
    bot.post_event(dm_event(bot, f"{JANE}, {TOM} and {PRIYA}"))
    cards = posted(bot, "chat.postMessage", 3)
    names = sorted(
        n for n in ("Jane Doe", "Tom Becker", "Priya Raman") for c in cards if n in card_text(c)
    )
    assert names == ["Jane Doe", "Priya Raman", "Tom Becker"]
    assert len(bot.wait_audit(3, action="lookup", entry_point="dm")) == 3

    requests = bot.sandbox.request_count()
    bot.post_event(dm_event(bot, f"{JANE} {TOM} {PRIYA} aisha.khan@example.com"))
    picker = posted(bot, "chat.postMessage", 4)[3]
    assert "Which one" in card_text(picker)
    assert bot.sandbox.request_count() == requests  # nothing looked up before the pick
    choice = button(picker, "profile_pick_identifier")  # the first: Jane
    bot.post_action(
        "profile_pick_identifier", choice["value"], channel=bot.slack.dm_channel(MEMBER)
    )
    card = posted(bot, "chat.postMessage", 5)[4]
    assert "Jane Doe" in card_text(card)


def test_no_identifier_gets_help(bot: BotHarness) -> None:
    bot.post_event(dm_event(bot, "hello there"))
    [help_reply] = posted(bot, "chat.postMessage")
    assert "email" in card_text(help_reply)
    assert bot.sandbox.request_count() == 0
    assert bot.wait_audit(action="lookup", timeout=0.3) == []


def test_bots_edits_deletions_and_redeliveries_are_ignored(bot: BotHarness) -> None:
    # Another bot's message (any bot_id; Slack dropped the bot_message subtype), our own echo,
    # an edit and a deletion: all acknowledged with 200 (never Bolt's 404, which Slack retries)
    # and none answered.
    other_bot = dm_event(bot, JANE, user="U0OTHERBOT", bot_id="B0OTHER")
    own = dm_event(bot, JANE, user="U0SANDBOXBOT", bot_id="B0SANDBOXBOT")
    channel = bot.slack.dm_channel(MEMBER)
    edit = {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": channel,
        "channel_type": "im",
        "ts": new_ts(),
        "message": {
            "type": "message",
            "user": MEMBER,
            "text": JANE,
            "ts": "1.1",
            "edited": {"user": MEMBER, "ts": "1.2"},
        },
        "previous_message": {"type": "message", "user": MEMBER, "text": "x", "ts": "1.1"},
    }
    deletion = {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "channel": channel,
        "channel_type": "im",
        "ts": new_ts(),
        "deleted_ts": "1.1",
        "previous_message": {"type": "message", "user": MEMBER, "text": JANE, "ts": "1.1"},
    }
    for event in (other_bot, own, edit, deletion):
        assert bot.post_event(event).response.status_code == 200
    # A real message, then Slack re-delivering it (same event_id, X-Slack-Retry-Num): one card.
    first = bot.post_event(dm_event(bot, JANE))
    delivered = json.loads(first.body)
    retry = bot.post_event(
        delivered["event"], retry_num=1, retry_reason="http_error", event_id=delivered["event_id"]
    )  # http_error: only the duplicate guard (the event id) can tell it is a copy
    assert retry.response.status_code == 200
    posted(bot, "chat.postMessage")
    bot.settle()
    assert len(bot.slack.calls("chat.postMessage")) == 1
    assert len(bot.wait_audit(action="lookup")) == 1
    assert bot.sandbox.request_count() > 0


def test_a_non_member_is_refused_in_the_dm_without_a_lookup(bot: BotHarness) -> None:
    event = dm_event(bot, JANE, user=OUTSIDER)
    assert bot.post_event(event).response.status_code == 200
    [refusal] = posted(bot, "chat.postMessage")
    assert refusal["channel"] == event["channel"]
    assert "don't have access" in card_text(refusal)
    assert "cs-team" in card_text(refusal)
    [record] = bot.wait_audit(action="refusal")
    assert record["entry_point"] == "dm"
    assert bot.sandbox.request_count() == 0


def _share_confirm(bot: BotHarness) -> tuple[str, dict[str, Any]]:
    bot.post_event(dm_event(bot, JANE))
    [card] = posted(bot, "chat.postMessage")
    share = button(card, "profile_share")
    bot.post_action("profile_share", share["value"], channel=bot.slack.dm_channel(MEMBER))
    return bot.wait_view(lambda v: v.get("callback_id") == "share_confirm")


def _submit_share(bot: BotHarness, view_id: str, target: str | None) -> Any:
    view = bot.slack.views()[view_id]
    values: dict[str, Any] = {}
    if target is not None:
        values = {
            "share_target_block": {
                "share_target_input": {
                    "type": "conversations_select",
                    "selected_conversation": target,
                }
            }
        }
    view["state"] = {"values": values}
    payload = {
        "type": "view_submission",
        "team": {"id": "T0SANDBOX", "domain": "sandbox"},
        "user": {"id": MEMBER, "username": "m", "name": "m", "team_id": "T0SANDBOX"},
        "api_app_id": "A0SANDBOXAPP",
        "trigger_id": bot.new_trigger_id(),
        "view": view,
        "response_urls": [],
    }
    return bot.post_interaction(payload).json()


def test_share_from_a_dm_card_posts_where_the_person_chooses(bot: BotHarness) -> None:
    view_id, view = _share_confirm(bot)
    assert "share_target_block" in card_text(view)  # the conversations select
    answer = _submit_share(bot, view_id, None)
    assert answer["response_action"] == "errors"  # nowhere chosen yet
    answer = _submit_share(bot, view_id, CHANNEL)
    assert answer["response_action"] == "update"
    shared = posted(bot, "chat.postMessage", 2)[1]
    assert shared["channel"] == CHANNEL
    assert "thread_ts" not in shared
    assert JANE not in card_text(shared)  # only the shareable traits
    [record] = bot.wait_audit(action="share", outcome="shared")
    assert record["entry_point"] == "dm"
    assert record["channel_id"] == CHANNEL


def test_share_from_a_dm_card_refuses_an_external_channel(bot: BotHarness) -> None:
    view_id, _ = _share_confirm(bot)
    _submit_share(bot, view_id, EXT_CHANNEL)
    bot.wait_view(lambda v: "another organisation" in card_text(v))
    [record] = bot.wait_audit(action="share")
    assert record["outcome"] == "share_refused"
    assert record["detail"] == "external_channel"
    assert len(bot.slack.calls("chat.postMessage")) == 1  # only the card in the DM


def test_a_failed_lookup_answers_with_the_error_card_and_is_not_remembered(
    bot: BotHarness,
) -> None:
    bot.sandbox.add_fault(Fault(route="*", status=500))
    bot.post_event(dm_event(bot, JANE))
    [reply] = posted(bot, "chat.postMessage")
    assert "Jane Doe" not in card_text(reply)
    assert "Segment" in card_text(reply)
    [record] = bot.wait_audit(action="lookup")
    assert record["entry_point"] == "dm" and record["outcome"] != "shown"
    assert bot.services.history.entries(MEMBER) == []


def test_found_nobody_is_not_remembered(bot: BotHarness) -> None:
    bot.post_event(dm_event(bot, "nobody@example.com"))
    [reply] = posted(bot, "chat.postMessage")
    assert "nobody@example.com" in card_text(reply)
    bot.wait_audit(action="lookup", outcome="not_found")
    assert bot.services.history.entries(MEMBER) == []


def test_a_refused_reply_is_audited(bot: BotHarness) -> None:
    # The person turned the Messages tab off after writing: Slack refuses the reply.
    bot.slack.fail("chat.postMessage", "messages_tab_disabled")
    bot.post_event(dm_event(bot, JANE))
    [record] = bot.wait_audit(action="delivery")
    assert record["outcome"] == "undelivered"
    assert record["detail"] == "messages_tab_disabled"


def test_a_late_answer_retry_is_dropped_but_a_lost_delivery_is_answered(bot: BotHarness) -> None:
    # http_timeout: the first copy reached the bot (perhaps another process without Redis), so
    # the re-delivery is dropped even though this process never saw its event id.
    dropped = bot.post_event(dm_event(bot, JANE), retry_num=1, retry_reason="http_timeout")
    assert dropped.response.status_code == 200
    assert dropped.response.headers.get("X-Slack-No-Retry") == "1"
    # connection_failed: the first copy never arrived; this one is the only one, so answer it.
    bot.post_event(dm_event(bot, JANE), retry_num=1, retry_reason="connection_failed")
    posted(bot, "chat.postMessage")
    bot.settle()
    assert len(bot.slack.calls("chat.postMessage")) == 1


def test_an_account_id_in_a_dm_gets_the_account_card_with_its_people(bot: BotHarness) -> None:
    bot.post_event(dm_event(bot, "how is account:acme-corp doing?"))
    [card] = posted(bot, "chat.postMessage")
    text = card_text(card)
    assert "Acme Corp" in text and "People" in text and "Recent events" not in text
    button(card, "account_people")  # the account card's own buttons work in a DM too
    [record] = bot.wait_audit(action="lookup")
    assert record["entry_point"] == "dm" and record["id_type"] == "group_id"
