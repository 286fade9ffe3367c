"""Card buttons: All traits (paged), More events (in messages and modals), Open in Segment."""

from __future__ import annotations

from typing import Any

from bot.sandbox.faults import Fault
from tests.support.harness import JANE, BotHarness, button, card_text, has_button

PRIYA = "priya.raman@example.com"  # 350 traits
LIAM = "liam.obrien@example.com"  # 120 events


def card_for(bot: BotHarness, email: str) -> dict[str, Any]:
    sent = bot.post_command(f"email:{email}")
    return bot.wait_response(sent.response_url)


def test_all_traits_opens_a_paged_modal(bot: BotHarness) -> None:
    card = card_for(bot, PRIYA)
    bot.sandbox.clear_requests()
    ref = button(card, "profile_all_traits")["value"]
    sent = bot.post_action("profile_all_traits", ref)
    assert sent.response.status_code == 200
    [opened] = bot.slack.wait_for_calls("views.open")
    assert opened.params["trigger_id"] == sent.trigger_id
    view_id, page1 = bot.wait_view(
        lambda v: v.get("callback_id") == "all_traits" and "Page 1 of" in card_text(v)
    )
    next_value = button(page1, "profile_all_traits_page")["value"]
    assert next_value == f"{ref}:2"
    bot.post_action("profile_all_traits_page", next_value, view_id=view_id)
    _, page2 = bot.wait_view(lambda v: "Page 2 of" in card_text(v))
    assert has_button(page2, "profile_all_traits_page")
    pages = bot.wait_audit(2, action="page")
    assert [r["detail"] for r in pages] == ["all_traits page 1", "all_traits page 2"]
    # Pages come from the cached profile: Segment is not asked again.
    assert bot.sandbox.request_count() == 0


def test_more_events_pages_as_new_ephemeral_messages(bot: BotHarness) -> None:
    card = card_for(bot, LIAM)
    sent = bot.post_action("profile_more_events", button(card, "profile_more_events")["value"])
    page2 = bot.wait_response(sent.response_url)
    assert page2["replace_original"] is False
    assert page2["response_type"] == "ephemeral"
    assert "page 2" in card_text(page2)
    sent = bot.post_action("profile_more_events", button(page2, "profile_more_events")["value"])
    page3 = bot.wait_response(sent.response_url)
    assert "page 3" in card_text(page3)
    cursors = [r.query.get("next") for r in bot.sandbox.requests() if r.route == "events"]
    assert len([c for c in cursors if c]) == 2  # each page followed the stored cursor
    assert [r["detail"] for r in bot.wait_audit(2, action="page")] == [
        "events page 2",
        "events page 3",
    ]


def test_more_events_button_is_idempotent(bot: BotHarness) -> None:
    card = card_for(bot, LIAM)
    ref = button(card, "profile_more_events")["value"]
    first = bot.wait_response(bot.post_action("profile_more_events", ref).response_url)
    again = bot.wait_response(bot.post_action("profile_more_events", ref).response_url)
    assert "page 2" in card_text(first)
    assert "page 2" in card_text(again)


def test_more_events_failure_shows_an_error_card(bot: BotHarness) -> None:
    card = card_for(bot, LIAM)
    bot.sandbox.add_fault(Fault(route="events", status=503))
    sent = bot.post_action("profile_more_events", button(card, "profile_more_events")["value"])
    assert "Segment had a problem" in card_text(bot.wait_response(sent.response_url, timeout=8))


def test_more_events_inside_the_modal(bot: BotHarness) -> None:
    bot.post_shortcut({"type": "message", "user": "U0COLLEAGUE", "text": LIAM, "ts": "1.2"})
    view_id, view = bot.wait_view(lambda v: "Liam" in card_text(v))
    bot.post_action(
        "profile_more_events", button(view, "profile_more_events")["value"], view_id=view_id
    )
    [pushed] = bot.slack.wait_for_calls("views.push")
    events_id, events = bot.wait_view(lambda v: v.get("callback_id") == "profile_events")
    assert "page 2" in card_text(events)
    bot.post_action(
        "profile_more_events", button(events, "profile_more_events")["value"], view_id=events_id
    )
    bot.wait_view(lambda v: v.get("callback_id") == "profile_events" and "page 3" in card_text(v))
    assert len(bot.slack.calls("views.push")) == 1  # page 3 replaced page 2 in place
    assert pushed


def test_all_traits_from_a_modal_card_is_pushed(bot: BotHarness) -> None:
    bot.post_shortcut({"type": "message", "user": "U0COLLEAGUE", "text": JANE, "ts": "1.2"})
    view_id, view = bot.wait_view(lambda v: "Jane Doe" in card_text(v))
    bot.post_action(
        "profile_all_traits", button(view, "profile_all_traits")["value"], view_id=view_id
    )
    bot.slack.wait_for_calls("views.push")
    bot.wait_view(lambda v: v.get("callback_id") == "all_traits")


def test_open_in_segment_is_just_acknowledged(bot: BotHarness) -> None:
    card = card_for(bot, JANE)
    link = button(card, "profile_open_in_segment")
    assert link["url"].startswith("https://app.segment.com/acme-workspace/")
    before = len(bot.slack.calls())
    sent = bot.post_action("profile_open_in_segment", link["value"])
    assert sent.response.status_code == 200
    bot.settle()
    assert len(bot.slack.calls()) == before
    assert bot.slack.responses(sent.response_url) == []


def test_no_more_events_when_the_cursor_is_exhausted(bot: BotHarness) -> None:
    card = card_for(bot, "tom.becker@example.org")  # no events at all
    assert not has_button(card, "profile_more_events")
