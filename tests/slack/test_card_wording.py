"""Over HTTP, through the real app: what event lines show, linked accounts without a profile,
plurals, why a window did not open, and `/profile` with several ids (issue 10 §4, §5)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.harness import JANE, MEMBER_2, BotHarness, button, card_text, find_buttons

AISHA = "aisha.khan@example.com"  # linked to initech and umbrella-labs (no account profile)
TOM = "tom.becker@example.org"  # 7 traits


def card_for(bot: BotHarness, text: str) -> dict[str, Any]:
    return bot.wait_response(bot.post_command(text).response_url)


def texts(card: dict[str, Any]) -> str:
    """Every mrkdwn/plain text of the card's blocks, one after another (real newlines)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str) and node.get("type") in ("mrkdwn", "plain_text"):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card.get("blocks", []))
    return "\n".join(found)


def event_line(card: dict[str, Any], name: str) -> str:
    text = texts(card)
    match = re.search(rf"^\*{re.escape(name)}\* · .*$", text, re.MULTILINE)
    assert match, text
    return match.group(0)


def test_a_page_view_shows_its_title_and_path(bot: BotHarness) -> None:
    line = event_line(card_for(bot, f"email:{JANE}"), "Page Viewed")
    assert line.endswith("UTC> · title: Billing · path: /billing")


def test_pinned_event_properties_lead_the_line(make_bot: Any) -> None:
    bot = make_bot(env={"PROFILE_EVENT_PROPERTIES": "order completed=currency,total"})
    line = event_line(card_for(bot, f"email:{JANE}"), "Order Completed")
    assert line.endswith("UTC> · currency: USD · total: 249 · order_id: ord_77120")


def test_a_linked_account_without_a_profile_reads_as_a_fact(bot: BotHarness) -> None:
    text = texts(card_for(bot, f"email:{AISHA}"))
    assert ":office: *umbrella-labs* — no account profile in Segment" in text
    assert "unavailable" not in text and "ref " not in text


def test_one_more_trait_is_singular(make_bot: Any) -> None:
    bot = make_bot(env={"PROFILE_PINNED_TRAITS": "name,email,plan,created_at,country,first_name"})
    text = texts(card_for(bot, f"email:{TOM}"))
    assert "Showing 6 of 7 traits · 1 more trait — see *All traits*" in text


@pytest.mark.parametrize(
    ("action", "code", "expected"),
    [
        (
            "profile_all_traits",
            "expired_trigger_id",
            "Slack didn't open the window in time. Please press All traits again.",
        ),
        ("profile_share", "expired_trigger_id", "Please press Share again."),
        (
            "profile_all_traits",
            "missing_scope",
            "Slack refused to open the window: the bot's Slack token lacks a permission or is no "
            "longer valid (missing_scope). Pressing again won't help",
        ),
        ("profile_share", "invalid_auth", "ask a Slack admin to reinstall the app"),
        ("profile_all_traits", "internal_error", "Slack couldn't open the window (internal_error)"),
    ],
)
def test_a_window_that_did_not_open_says_why(
    bot: BotHarness, action: str, code: str, expected: str
) -> None:
    card = card_for(bot, f"email:{JANE}")
    bot.slack.fail("views.open", code, times=1)
    sent = bot.post_action(action, button(card, action)["value"])
    notice = card_text(bot.wait_response(sent.response_url))
    assert expected in notice
    if code != "expired_trigger_id":
        assert "in time" not in notice


def test_several_ids_in_the_command_offer_a_choice(bot: BotHarness) -> None:
    sent = bot.post_command(f"{JANE} carlos.mendoza@example.org")
    ack = sent.json()
    assert ack["response_type"] == "ephemeral"
    text = card_text(ack)
    assert "That names more than one customer. Pick one:" in text
    assert "can't tell" not in text
    picks = [b for b in find_buttons(ack) if b["action_id"] == "profile_pick_identifier"]
    assert [b["text"]["text"] for b in picks] == ["Look up", "Look up"]
    assert "email:jane@example.com" in text and "email:carlos.mendoza@example.org" in text
    # The buttons carry a reference, never the identifier.
    assert all("@" not in b["value"] for b in picks)
    assert bot.sandbox.request_count() == 0

    # Only the person who asked may pick.
    refused = bot.post_action("profile_pick_identifier", picks[1]["value"], user=MEMBER_2)
    assert "Carlos" not in card_text(bot.wait_response(refused.response_url))

    chosen = bot.post_action("profile_pick_identifier", picks[1]["value"])
    loading = bot.wait_response(chosen.response_url)
    assert "Looking up" in card_text(loading) and loading["replace_original"] is True
    card = bot.wait_response(chosen.response_url, count=2)
    assert card["replace_original"] is True
    assert card["blocks"][0]["text"]["text"] == "Carlos Mendoza"
    [record] = bot.wait_audit(action="lookup")
    assert record["outcome"] == "shown" and record["entry_point"] == "command"
