"""Events on the card and the "More events" pages: name, time, a few telling properties."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import islice
from typing import Any

from bot.segment.models import Event, EventsPage
from bot.settings import DEFAULT_HIDDEN_TRAITS
from bot.slack import component_ids as ids
from bot.slack.cards import text as t
from bot.slack.cards.blocks import Block, actions, button, context, header, message, section
from bot.slack.cards.options import CardOptions
from bot.trait_policy import TraitPolicy, canonical_key

# Long, identifying or repetitive properties that tell a CS person little about the event.
_NOISY_KEYS = frozenset(
    {
        "url",
        "path",
        "referrer",
        "referer",
        "search",
        "title",
        "hash",
        "ip",
        "user_agent",
        "useragent",
        "context",
        "anonymous_id",
        "message_id",
        "timestamp",
        "sent_at",
        "received_at",
    }
)
_NOISY_PARTS = ("url", "referr", "user_agent", "utm_")
_MAX_PROPERTY_TEXT = 60
_EVENTS_PAGE_TEXT = 8500  # text budget of an events page message
_MAX_PAGE_EVENTS = 100  # events shown on one page; Segment pages hold at most 100 anyway
_ONE_PER_SECTION = 40  # up to this many events, one section each; beyond, ten per section
_DEFAULT_POLICY = TraitPolicy(DEFAULT_HIDDEN_TRAITS, ())


def _is_noisy(key: str) -> bool:
    folded = canonical_key(key)
    return folded in _NOISY_KEYS or any(part in folded for part in _NOISY_PARTS)


def telling_properties(properties: Mapping[str, Any], policy: TraitPolicy, count: int) -> list[str]:
    """Up to `count` short scalar properties as safe "key: value" texts."""
    shown: list[str] = []
    for key, value in islice(properties.items(), 200):
        name = str(key)
        if policy.is_hidden(name) or _is_noisy(name):
            continue
        if isinstance(value, str):
            if not value.strip() or len(value) > _MAX_PROPERTY_TEXT:
                continue
        elif not isinstance(value, bool | int | float):
            continue
        rendered = t.format_value(value, limit=_MAX_PROPERTY_TEXT, is_hidden=policy.is_hidden)
        shown.append(f"{t.format_key(name, 30)}: {rendered}")
        if len(shown) >= count:
            break
    return shown


def event_time(timestamp: str | None) -> str:
    """The event's time as a date token, or its escaped raw text when it isn't ISO 8601."""
    if not timestamp:
        return "time unknown"
    epoch = t.iso_to_epoch(timestamp.strip())
    if epoch is None:
        return t.escape_truncated(" ".join(timestamp.split()), 40)
    return t.date_token(epoch)


def event_name(event: Event) -> str:
    """The event's name (or its type, for identify/page calls) as safe bold mrkdwn."""
    raw = " ".join(event.event.split()) or " ".join(event.type.split()).capitalize() or "Event"
    return f"*{t.escape_truncated(raw, 50)}*"


def event_line(event: Event, policy: TraitPolicy, *, properties: int, limit: int) -> str:
    """One event on one line: "*Order Completed* · <time> · total: 120 · currency: USD"."""
    parts = [event_name(event), event_time(event.timestamp)]
    parts += telling_properties(event.properties, policy, properties)
    return t.truncate_mrkdwn(" · ".join(parts), limit)


def build_events_message(
    ident_label: str,
    page: EventsPage,
    *,
    ref: str,
    page_number: int,
    options: CardOptions | None = None,
) -> dict[str, Any]:
    """A page of events, newest first, with "More events" when Segment has a next page.

    Pass the deployment's `options` so its hidden keys are dropped from event properties too
    (without them, the built-in hidden list applies).
    """
    policy = options.policy if options is not None else _DEFAULT_POLICY
    blocks: list[Block] = [
        header("Recent events"),
        context(f"{t.escape_truncated(ident_label, 300)} · page {page_number:,}"),
    ]
    events = page.events[:_MAX_PAGE_EVENTS]
    per_event = max(80, min(600, _EVENTS_PAGE_TEXT // max(1, len(events))))
    lines = [event_line(event, policy, properties=6, limit=per_event) for event in events]
    chunk = 1 if len(lines) <= _ONE_PER_SECTION else 10
    for start in range(0, len(lines), chunk):
        blocks.append(section("\n".join(lines[start : start + chunk])))
    if not page.events:
        blocks.append(section("No more events for this customer."))
    elif len(page.events) > len(events):
        hidden = len(page.events) - len(events)
        blocks.append(context(f"+{hidden:,} more events on this page are not shown."))
    if page.next_cursor:
        blocks.append(actions([button("More events", ids.MORE_EVENTS, value=ref)]))
    return message(f"Recent events, page {page_number:,}", blocks)
