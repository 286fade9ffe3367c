"""Events on the card and the "More events" pages: name, time, a few telling properties."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import islice
from typing import Any
from urllib.parse import urlsplit

from bot.segment.models import Event, EventsPage
from bot.settings import DEFAULT_HIDDEN_TRAITS
from bot.slack import component_ids as ids
from bot.slack.cards import text as t
from bot.slack.cards.blocks import Block, actions, button, context, header, message, section
from bot.slack.cards.common import index_by_canonical, visible_items
from bot.slack.cards.options import CardOptions
from bot.trait_policy import TraitPolicy, canonical_key
from bot.wording import plural

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
# Identifying noise that is not shown even when nothing else is (the card lists identifiers).
_SECRET_LIKE_NOISE = frozenset({"ip", "user_agent", "useragent", "anonymous_id", "message_id"})
_MAX_PROPERTY_TEXT = 60
_EVENTS_PAGE_TEXT = 8500  # text budget of an events page message
_MAX_PAGE_EVENTS = 100  # events shown on one page; Segment pages hold at most 100 anyway
_ONE_PER_SECTION = 40  # up to this many events, one section each; beyond, ten per section
_DEFAULT_POLICY = TraitPolicy(DEFAULT_HIDDEN_TRAITS, ())


# Page and screen calls: Segment stores them as events named like this (the Profile API's own
# example is a "Page Viewed" event of type "track" whose properties hold name, path, title and
# url); raw page/screen calls may also arrive with type "page"/"screen".
_PAGE_EVENT_NAMES = frozenset(
    {"page viewed", "screen viewed", "loaded a page", "viewed page", "viewed screen"}
)
_PAGE_TYPES = frozenset({"page", "screen"})
_PAGE_NAME_KEYS = ("name", "title", "page_name", "screen_name")
_PAGE_KEYS = frozenset({*_PAGE_NAME_KEYS, "path"})
_FALLBACK_VALUE_TEXT = 60
EventProperties = tuple[tuple[str, tuple[str, ...]], ...]


def _is_noisy(key: str) -> bool:
    folded = canonical_key(key)
    return folded in _NOISY_KEYS or any(part in folded for part in _NOISY_PARTS)


def _folded_name(name: str) -> str:
    return " ".join(name.split()).casefold()


def is_page_event(event: Event) -> bool:
    """True for a page or screen view (by its type, or by the name Segment records it under)."""
    return event.type.casefold() in _PAGE_TYPES or _folded_name(event.event) in _PAGE_EVENT_NAMES


def pinned_properties(event: Event, pinned: EventProperties) -> tuple[str, ...]:
    """The property keys the admin pinned for this event's name (PROFILE_EVENT_PROPERTIES)."""
    name = _folded_name(event.event)
    for event_name, keys in pinned:
        if _folded_name(event_name) == name:
            return keys
    return ()


def _has_something(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str | list | tuple | dict):
        return bool(value.strip() if isinstance(value, str) else value)
    return True


def _item(key: str, value: Any, policy: TraitPolicy) -> str:
    rendered = t.format_value(value, limit=_FALLBACK_VALUE_TEXT, is_hidden=policy.is_hidden)
    return f"{t.format_key(key, 30)}: {rendered}"


def _page_items(properties: Mapping[str, Any], policy: TraitPolicy) -> list[tuple[str, str]]:
    """(key, "key: value") for the page's name (or title) and its path (or the url's path)."""
    index = index_by_canonical(visible_items(properties, policy))
    items: list[tuple[str, str]] = []
    for names in (_PAGE_NAME_KEYS, ("path",)):
        found = next((index[n] for n in names if n in index and _has_something(index[n][1])), None)
        if found is not None:
            items.append((found[0], _item(found[0], found[1], policy)))
    if not any(canonical_key(key) == "path" for key, _ in items) and "url" in index:
        url = index["url"][1]
        path = urlsplit(url).path if isinstance(url, str) else ""
        if path:
            items.append(("path", _item("path", path, policy)))
    return items


def telling_properties(
    properties: Mapping[str, Any],
    policy: TraitPolicy,
    count: int,
    *,
    first: tuple[str, ...] = (),
    page: bool = False,
) -> list[str]:
    """Up to `count` properties as safe "key: value" texts: the `first` keys (pinned by the
    admin) in their order, then a page's name/title and path, then short telling scalars.

    Never none while the event has a visible property with a value: when no short scalar tells
    anything, long texts (cut), noisy keys and nested values are shown instead.
    """
    visible = visible_items(properties, policy)
    index = index_by_canonical(visible)
    chosen: list[tuple[str, str]] = []
    used: set[str] = set()

    def add(key: str, text: str) -> None:
        if len(chosen) < max(count, len(first)) and canonical_key(key) not in used:
            used.add(canonical_key(key))
            chosen.append((key, text))

    for wanted in first:
        found = index.get(canonical_key(wanted))
        if found is not None and _has_something(found[1]):
            add(found[0], _item(found[0], found[1], policy))
    if not first and page:
        for key, text in _page_items(properties, policy):
            add(key, text)
        used.update(_PAGE_KEYS)  # the other names of the page would only repeat it
    for key, value in islice(visible, 200):
        if len(chosen) >= count:
            break
        if _is_noisy(key):
            continue
        if isinstance(value, str):
            if not value.strip() or len(value) > _MAX_PROPERTY_TEXT:
                continue
        elif not isinstance(value, bool | int | float):
            continue
        add(key, _item(key, value, policy))
    if not chosen:
        # Nothing short and telling: anything with a value beats an event line with no detail.
        for key, value in islice(visible, 200):
            if len(chosen) >= count:
                break
            if _has_something(value) and canonical_key(key) not in _SECRET_LIKE_NOISE:
                add(key, _item(key, value, policy))
    return [text for _, text in chosen]


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
    raw = " ".join(event.event.split())
    if not raw or raw == event.type:  # an identify/page/screen call has no event name of its own
        raw = " ".join(event.type.split()).capitalize() or "Event"
    return f"*{t.escape_truncated(raw, 50)}*"


def event_line(
    event: Event,
    policy: TraitPolicy,
    *,
    properties: int,
    limit: int,
    pinned: EventProperties = (),
) -> str:
    """One event on one line: "*Order Completed* · <time> · total: 120 · currency: USD"."""
    parts = [event_name(event), event_time(event.timestamp)]
    parts += telling_properties(
        event.properties,
        policy,
        properties,
        first=pinned_properties(event, pinned),
        page=is_page_event(event),
    )
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
    pinned = options.event_properties if options is not None else ()
    blocks: list[Block] = [
        header("Recent events"),
        context(f"{t.escape_identifier(ident_label, 300)} · page {page_number:,}"),
    ]
    events = page.events[:_MAX_PAGE_EVENTS]
    per_event = max(80, min(600, _EVENTS_PAGE_TEXT // max(1, len(events))))
    lines = [
        event_line(event, policy, properties=6, limit=per_event, pinned=pinned) for event in events
    ]
    chunk = 1 if len(lines) <= _ONE_PER_SECTION else 10
    for start in range(0, len(lines), chunk):
        blocks.append(section("\n".join(lines[start : start + chunk])))
    if not page.events:
        blocks.append(section("No more events for this customer."))
    elif len(page.events) > len(events):
        hidden = len(page.events) - len(events)
        blocks.append(context(f"+{plural(hidden, 'more event')} on this page not shown."))
    if page.next_cursor:
        blocks.append(actions([button("More events", ids.MORE_EVENTS, value=ref)]))
    return message(f"Recent events, page {page_number:,}", blocks)
