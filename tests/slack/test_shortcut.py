"""The "Look up customer" message shortcut: loading modal at once, then one, several or no
identifiers; Slack Connect authors; the enter-an-identifier form; expired triggers."""

from __future__ import annotations

from typing import Any

from tests.support.harness import (
    CHANNEL,
    COLLEAGUE,
    CUSTOMER,
    JANE,
    BotHarness,
    card_text,
)

DEFAULT_SCOPES_NO_EMAIL = "commands,chat:write,usergroups:read,users:read,channels:read,groups:read"


def thread_reply(text: str, *, user: str | None = CUSTOMER, **extra: Any) -> dict[str, Any]:
    """A reply inside a customer thread, shaped like Slack's (slack-platform.md §1.3)."""
    message: dict[str, Any] = {
        "type": "message",
        "client_msg_id": "6f1c2a4e-8d8e-4a51-9b0e-2d1f3f0a9c11",
        "text": text,
        "ts": "1699999999.000200",
        "thread_ts": "1699999000.000100",
        "team": "T0SANDBOX",
        "blocks": [
            {
                "type": "rich_text",
                "block_id": "d7eJ",
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
                ],
            }
        ],
    }
    if user is not None:
        message["user"] = user
        message["parent_user_id"] = user
    message.update(extra)
    return message


def is_profile(name: str) -> Any:
    return lambda view: name in card_text(view) and view.get("callback_id") == "profile_view"


def test_one_identifier_loading_modal_then_card(bot: BotHarness) -> None:
    message = thread_reply(f"Hi, my email is <mailto:{JANE}|{JANE}> and my order is late")
    sent = bot.post_shortcut(message)
    assert sent.response.status_code == 200
    assert sent.response.text == ""
    [opened] = bot.slack.wait_for_calls("views.open")
    assert opened.params["trigger_id"] == sent.trigger_id
    assert "Looking up" in card_text(opened.params["view"])
    _, view = bot.wait_view(is_profile("Jane Doe"))
    assert view["private_metadata"]  # the card's ref, nothing else
    assert JANE not in view["private_metadata"]
    [record] = bot.wait_audit(action="lookup")
    assert record["entry_point"] == "shortcut"
    assert record["outcome"] == "shown"
    assert record["channel_id"] == CHANNEL
    # Nothing was posted to the channel or the thread.
    assert bot.slack.calls("chat.postMessage") == []
    assert bot.slack.responses() == []


def test_several_identifiers_pick_one(bot: BotHarness) -> None:
    text = f"Merge {JANE} into tom.becker@example.org please"
    bot.post_shortcut(thread_reply(text, user=COLLEAGUE))
    view_id, view = bot.wait_view(lambda v: "Which customer" in card_text(v))
    pick = [e for e in _buttons(view) if e["action_id"] == "profile_pick_identifier"]
    assert len(pick) == 2
    assert bot.sandbox.request_count() == 0  # nothing looked up before the person picks
    bot.post_action("profile_pick_identifier", pick[1]["value"], view_id=view_id)
    bot.wait_view(is_profile("Tom Becker"))
    [record] = bot.wait_audit(action="lookup")
    assert record["outcome"] == "shown"


def test_pick_list_type_another(bot: BotHarness) -> None:
    bot.post_shortcut(thread_reply(f"{JANE} or tom.becker@example.org", user=COLLEAGUE))
    view_id, _ = bot.wait_view(lambda v: "Which customer" in card_text(v))
    bot.post_action("profile_type_identifier", "type", view_id=view_id)
    bot.wait_view(lambda v: "identifier_block" in card_text(v))


def test_nothing_found_colleague_author_asks_for_an_identifier(bot: BotHarness) -> None:
    bot.post_shortcut(thread_reply("my order is late", user=COLLEAGUE))
    view_id, view = bot.wait_view(lambda v: "identifier_block" in card_text(v))
    assert "found no email" in card_text(view)
    assert bot.sandbox.request_count() == 0

    bad = bot.post_view_submission(
        view_id, values={"identifier_block": {"identifier_input": "ssn:123"}}
    ).json()
    assert bad["response_action"] == "errors"
    assert "not an id type" in bad["errors"]["identifier_block"]
    assert bot.wait_audit(outcome="invalid_input")
    assert bot.sandbox.request_count() == 0

    good = bot.post_view_submission(
        view_id, values={"identifier_block": {"identifier_input": "Tom.Becker@example.org"}}
    ).json()
    assert good["response_action"] == "update"
    assert "Looking up" in card_text(good["view"])
    bot.wait_view(is_profile("Tom Becker"))
    assert bot.wait_audit(action="lookup", outcome="shown")


def test_slack_connect_author_is_looked_up_by_their_email(bot: BotHarness) -> None:
    bot.post_shortcut(thread_reply("my order is late", user=CUSTOMER))
    bot.wait_view(is_profile("Jane Doe"))
    [info] = bot.slack.calls("users.info")
    assert info.params["user"] == CUSTOMER


def test_slack_connect_author_without_users_read_email(bot: BotHarness) -> None:
    bot.slack.scopes = DEFAULT_SCOPES_NO_EMAIL + ",users:read"
    bot.post_shortcut(thread_reply("my order is late", user=CUSTOMER))
    _, view = bot.wait_view(lambda v: "identifier_block" in card_text(v))
    assert "users:read.email" in card_text(view)
    assert bot.sandbox.request_count() == 0


def test_bot_message_without_identifiers(bot: BotHarness) -> None:
    message = thread_reply("Ticket #123 updated", user=None, bot_id="B0ZENDESK")
    bot.post_shortcut(message)
    bot.wait_view(lambda v: "identifier_block" in card_text(v))
    assert bot.slack.calls("users.info") == []


def test_expired_trigger_is_reported_through_the_response_url(bot: BotHarness) -> None:
    trigger = bot.new_trigger_id()
    bot.slack.expire_trigger(trigger)
    sent = bot.post_shortcut(thread_reply(f"<mailto:{JANE}|{JANE}>"), trigger_id=trigger)
    assert sent.response.status_code == 200
    notice = bot.wait_response(sent.response_url)
    assert "run the shortcut again" in card_text(notice)
    assert notice["response_type"] == "ephemeral"
    bot.settle()
    assert bot.sandbox.request_count() == 0


def test_not_found_in_modal(bot: BotHarness) -> None:
    bot.post_shortcut(thread_reply("it's nobody@example.com", user=COLLEAGUE))
    bot.wait_view(lambda v: "No profile found" in card_text(v))
    [record] = bot.wait_audit(action="lookup")
    assert record["outcome"] == "not_found"


def test_someone_else_cannot_submit_the_form(bot: BotHarness) -> None:
    bot.post_shortcut(thread_reply("my order is late", user=COLLEAGUE))
    view_id, _ = bot.wait_view(lambda v: "identifier_block" in card_text(v))
    answer = bot.post_view_submission(
        view_id,
        user="U0MEMBER2",
        values={"identifier_block": {"identifier_input": JANE}},
    ).json()
    assert answer["response_action"] == "update"
    assert "Only the person who looked this up" in card_text(answer["view"])
    bot.settle()
    assert bot.sandbox.request_count() == 0


def _buttons(view: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for block in view["blocks"]:
        for element in [block.get("accessory"), *block.get("elements", [])]:
            if isinstance(element, dict) and element.get("type") == "button":
                out.append(element)
    return out
