"""The "More events" pages."""

from __future__ import annotations

import pytest

from bot.segment.models import Event, EventsPage
from bot.slack import component_ids as ids
from bot.slack.cards import CardOptions, build_events_message
from tests.slack.cards.profiles import HOSTILE, REF, events
from tests.support.blockkit import all_texts, assert_valid_message


def _text(payload) -> str:
    return "\n".join(all_texts(payload))


def test_page_with_next_cursor_has_more_button():
    msg = build_events_message(
        "email:jane@acme.com", EventsPage(events(4), "c2"), ref=REF, page_number=2
    )
    assert_valid_message(msg)
    text = _text(msg)
    assert "email:jane@acme.com · page 2" in text
    assert text.count("*Order Completed*") == 2 and "items" not in text  # lists aren't "telling"
    buttons = [e for b in msg["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b["value"]) for b in buttons] == [(ids.MORE_EVENTS, REF)]


def test_last_page_and_empty_page():
    msg = build_events_message("email:j@a.co", EventsPage(events(2), None), ref=REF, page_number=3)
    assert_valid_message(msg)
    assert all(b["type"] != "actions" for b in msg["blocks"])
    empty = build_events_message("email:j@a.co", EventsPage((), None), ref=REF, page_number=4)
    assert "No more events" in _text(empty)


@pytest.mark.parametrize("count", [1, 10, 40, 41, 100, 250])
def test_any_page_size_fits(count):
    big = tuple(
        Event(
            event="E" * 500,
            type="track",
            timestamp="2024-01-01T00:00:00Z",
            properties={f"p{i}": "v" * 50 for i in range(20)},
        )
        for _ in range(count)
    )
    msg = build_events_message("x", EventsPage(big, "c"), ref=REF, page_number=1)
    assert_valid_message(msg)
    if count > 100:
        assert f"+{count - 100} more events" in _text(msg)


def test_hostile_events_and_unparseable_times():
    hostile = [
        Event(event=v, type="track", timestamp=v, properties={v: v, "n": 1}) for v in HOSTILE
    ]
    page = EventsPage((*hostile, Event(event="", type="identify", timestamp=None)), "c")
    msg = build_events_message("<!here>", page, ref=REF, page_number=1)
    assert_valid_message(msg)
    text = _text(msg)
    assert "*Identify* · time unknown" in text


def test_deployment_hidden_keys_are_dropped_from_properties():
    page = EventsPage(
        (Event("Signed Up", "track", None, {"internal_score": 9, "plan": "pro"}),), None
    )
    options = CardOptions(hidden_traits=("internal_*",))
    text = _text(build_events_message("x", page, ref=REF, page_number=1, options=options))
    assert "plan: pro" in text and "internal" not in text
    assert "internal_score: 9" in _text(build_events_message("x", page, ref=REF, page_number=1))
