"""What one event line shows: a page's title and path, telling properties (never none when the
event has some), and the properties an admin pinned per event name."""

from __future__ import annotations

from typing import Any

import pytest

from bot.segment.models import Event, EventsPage
from bot.settings import DEFAULT_HIDDEN_TRAITS
from bot.slack.cards import CardOptions, build_events_message
from bot.slack.cards.events import event_line, is_page_event
from bot.trait_policy import TraitPolicy
from tests.support.blockkit import assert_valid_message

POLICY = TraitPolicy(DEFAULT_HIDDEN_TRAITS, ())
WHEN = "2026-11-29T00:23:00Z"


def line(name: str, properties: dict[str, Any], *, kind: str = "track", **kwargs: Any) -> str:
    event = Event(event=name, type=kind, timestamp=WHEN, properties=properties)
    kwargs.setdefault("properties", 3)
    return event_line(event, POLICY, limit=400, **kwargs)


def details(text: str) -> str:
    """The part after the name and the time."""
    return text.split(" · ", 2)[2] if text.count(" · ") >= 2 else ""


def test_a_page_view_shows_its_title_and_path() -> None:
    # Jane's "Page Viewed" of /billing showed nothing: both keys were treated as noise.
    assert details(line("Page Viewed", {"path": "/billing", "title": "Billing"})) == (
        "title: Billing · path: /billing"
    )


def test_a_page_view_prefers_the_page_name_and_takes_the_path_from_the_url() -> None:
    # The Profile API's own example: name, path, referrer, search, title, url, and more.
    properties = {
        "name": "Docs",
        "page_name": "Docs",
        "referrer": "https://www.google.com/",
        "search": "",
        "section": "Spec",
        "title": "Spec: V2 Ecommerce Events Documentation - Segment",
        "url": "https://segment.com/docs/connections/spec/ecommerce/v2/",
    }
    assert details(line("Page Viewed", properties)) == (
        "name: Docs · path: /docs/connections/spec/ecommerce/v2/ · section: Spec"
    )


@pytest.mark.parametrize(
    ("name", "kind"),
    [("Page Viewed", "track"), ("screen viewed", "track"), ("Pricing", "page"), ("Home", "screen")],
)
def test_page_and_screen_events_are_recognised(name: str, kind: str) -> None:
    assert is_page_event(Event(event=name, type=kind, timestamp=WHEN))
    assert not is_page_event(Event(event="Order Completed", type="track", timestamp=WHEN))


def test_a_raw_page_call_is_named_by_its_type_and_shows_its_name() -> None:
    text = line("page", {"name": "Pricing", "path": "/pricing"}, kind="page")
    assert text.startswith("*Page* · ")
    assert details(text) == "name: Pricing · path: /pricing"


def test_track_events_show_the_first_telling_scalars() -> None:
    properties = {
        "url": "https://shop.example.com/x",
        "order_id": "ord_1",
        "total": 249.0,
        "items": [1, 2],
        "coupon": None,
        "currency": "USD",
        "priority": "high",
    }
    assert details(line("Order Completed", properties)) == (
        "order_id: ord_1 · total: 249 · currency: USD"
    )


@pytest.mark.parametrize(
    ("properties", "expected"),
    [
        # Only a long text: shown cut rather than dropped.
        ({"comment": "x" * 200}, "comment: " + "x" * 59),
        # Only noisy keys: the url is better than nothing.
        ({"url": "https://shop.example.com/sale"}, "url: https://shop.example.com/sale"),
        # Only a nested object.
        ({"changes": {"plan": {"from": "pro", "to": "team"}}}, "changes: plan: from: pro"),
    ],
)
def test_an_event_with_properties_never_shows_none(properties: dict, expected: str) -> None:
    assert details(line("Profile Updated", properties)).startswith(expected)


def test_nothing_to_show_when_properties_are_empty_null_or_hidden() -> None:
    empty = {"coupon": None, "note": "  ", "password": "hunter2", "ip": "203.0.113.9"}
    assert details(line("Signed In", empty)) == ""
    assert "hunter2" not in line("Signed In", empty)


def test_pinned_properties_come_first_in_the_admins_order() -> None:
    pinned = (("order completed", ("total", "orderId", "missing")), ("Page Viewed", ("url",)))
    properties = {"order_id": "ord_1", "total": 249.0, "currency": "USD", "priority": "high"}
    assert details(line("Order  Completed", properties, pinned=pinned)) == (
        "total: 249 · order_id: ord_1 · currency: USD"
    )
    # A pinned key replaces a page's default name/path, and may be a noisy key.
    page = {"path": "/billing", "title": "Billing", "url": "https://app.example.com/billing"}
    assert details(line("Page Viewed", page, pinned=pinned)).startswith(
        "url: https://app.example.com/billing"
    )
    # A pinned key that the policy hides is still never shown.
    secret = (("Signed In", ("password", "method")),)
    assert details(line("Signed In", {"password": "x", "method": "sso"}, pinned=secret)) == (
        "method: sso"
    )


def test_the_events_page_uses_the_pinned_properties() -> None:
    options = CardOptions(event_properties=(("Feature Used", ("count",)),))
    page = EventsPage(
        events=(
            Event("Feature Used", "track", WHEN, {"feature": "workflows", "count": 3}),
            Event("Page Viewed", "track", WHEN, {"path": "/billing", "title": "Billing"}),
        ),
        next_cursor=None,
    )
    message = build_events_message(
        "email:jane@example.com", page, ref="r", page_number=2, options=options
    )
    assert_valid_message(message)
    text = "\n".join(b["text"]["text"] for b in message["blocks"] if b["type"] == "section")
    assert "*Feature Used* · " in text and "UTC> · count: 3 · feature: workflows" in text
    assert "UTC> · title: Billing · path: /billing" in text
