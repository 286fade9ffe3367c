"""Decode Profile API bodies defensively and check their shapes before anything uses them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NoReturn

from bot.segment.models import Event, EventsPage, ExternalId, TraitSource, TraitsPage

MAX_DEPTH = 64  # deeper JSON than this is not a profile; refuse it before anything recurses


class ShapeError(ValueError):
    """The body is not the JSON shape the route documents; the message holds no body content."""


def _reject_constant(name: str) -> NoReturn:
    raise ShapeError(f"non-standard JSON constant {name}")


def decode_json(body: bytes) -> Any:
    """Strict UTF-8 JSON: no BOM, NaN/Infinity, lone surrogates, or nesting over MAX_DEPTH."""
    try:
        text = body.decode("utf-8")
        doc = json.loads(text, parse_constant=_reject_constant)
    except ShapeError:
        raise
    except RecursionError:
        raise ShapeError("JSON nested too deeply") from None
    except UnicodeError:
        raise ShapeError("body is not UTF-8") from None
    except ValueError:  # JSONDecodeError, and ints longer than Python's digit limit
        raise ShapeError("body is not valid JSON") from None
    _check_tree(doc)
    return doc


def _check_tree(doc: Any) -> None:
    # Iterative, so a deep document cannot exhaust the stack here either.
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ShapeError("JSON nested too deeply")
        if isinstance(node, str):
            _check_text(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                _check_text(key)
                stack.append((value, depth + 1))
        elif isinstance(node, list):
            stack.extend((item, depth + 1) for item in node)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeError:  # a lone surrogate such as "\ud800" decodes but cannot be sent on
        raise ShapeError("JSON string is not valid Unicode") from None


def _object(doc: Any, what: str) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise ShapeError(f"{what} is not a JSON object")
    return doc


def _list_or_null(doc: dict[str, Any], key: str) -> list[Any]:
    # Segment's backend is written in Go, whose JSON encoder writes an empty (nil) slice as
    # null; ethyca/fides guards `data is None` on /events. So a null list means "none".
    value = doc.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ShapeError(f"{key} is not a list")
    return value


def _optional_str(item: dict[str, Any], key: str) -> str | None:
    value = item.get(key)
    if value is None or isinstance(value, str):
        return value
    raise ShapeError(f"{key} is not a string")


def _cursor(doc: dict[str, Any]) -> tuple[bool, str | None]:
    """(has_more, next) from an optional `cursor` object; an empty `next` means none."""
    raw = doc.get("cursor")
    if raw is None:
        return False, None
    cursor = _object(raw, "cursor")
    has_more = cursor.get("has_more", False)
    if not isinstance(has_more, bool):
        raise ShapeError("cursor.has_more is not a boolean")
    following = _optional_str(cursor, "next")
    return has_more, following or None


def parse_traits_page(doc: Any, *, verbose: bool = False) -> TraitsPage:
    """`{"traits": {...}, "cursor": {...}}`; `traits: null` or a list is malformed. With
    `verbose`, each trait is `{"value", "source_id", "updated_at"}` (see _verbose_trait)."""
    body = _object(doc, "body")
    traits = _object(body.get("traits"), "traits")
    has_more, following = _cursor(body)
    values: dict[str, Any] = dict(traits)
    sources: dict[str, TraitSource] = {}
    if verbose:
        for key, raw in traits.items():
            values[key], source = _verbose_trait(raw)
            if source is not None:
                sources[key] = source
    return TraitsPage(
        traits=values,
        complete=not has_more,
        next_cursor=following if has_more else None,
        sources=sources,
    )


def _verbose_trait(raw: Any) -> tuple[Any, TraitSource | None]:
    """(value, source) of one verbose trait. Segment documents the wrapper only by an example
    with ".." placeholders (profile-api.md, "With ?verbose=true"), so this is lenient: an item
    that is not an object with a `value` key is taken as a bare value without provenance, and a
    `source_id`/`updated_at` that is not a string is dropped rather than failing the card."""
    if not isinstance(raw, dict) or "value" not in raw:
        return raw, None
    source_id = raw.get("source_id")
    updated_at = raw.get("updated_at")
    source = TraitSource(
        source_id=source_id if isinstance(source_id, str) and source_id else None,
        updated_at=updated_at if isinstance(updated_at, str) and updated_at else None,
    )
    has_any = source.source_id is not None or source.updated_at is not None
    return raw["value"], source if has_any else None


def parse_events_page(doc: Any) -> EventsPage:
    """`{"data": [event, ...] | null, "cursor": {...}}` as a page of events."""
    body = _object(doc, "body")
    events = []
    for raw in _list_or_null(body, "data"):
        item = _object(raw, "event")
        properties = item.get("properties")
        if properties is None:
            properties = {}
        kind = _optional_str(item, "type") or ""
        events.append(
            Event(
                event=_optional_str(item, "event") or kind,
                type=kind,
                timestamp=_optional_str(item, "timestamp"),
                properties=_with_page_name(item, kind, _object(properties, "properties")),
                message_id=_optional_str(item, "message_id"),
            )
        )
    has_more, following = _cursor(body)
    return EventsPage(events=tuple(events), next_cursor=following if has_more else None)


def _with_page_name(item: Mapping[str, Any], kind: str, properties: Any) -> Any:
    """A page/screen call's top-level `name` folded into its properties (when they lack one).

    Segment's Spec puts the name of a page or screen call at the top level. The Profile API's
    documented events example is a "Page Viewed" event with `properties.name` instead; whether
    raw page/screen calls ever come back with a top-level name is not documented, so this only
    makes sure one would not be lost.
    """
    name = item.get("name")
    if kind not in ("page", "screen") or not isinstance(name, str) or not name.strip():
        return properties
    if "name" in properties:
        return properties
    return {**properties, "name": name}


def parse_external_ids(doc: Any) -> list[ExternalId]:
    """`{"data": [{"type", "id", "source_id", "created_at", ...}]}` as ExternalIds."""
    body = _object(doc, "body")
    result = []
    for raw in _list_or_null(body, "data"):
        item = _object(raw, "external id")
        id_type, value = _optional_str(item, "type"), _optional_str(item, "id")
        if not id_type or value is None:
            raise ShapeError("external id without type or id")
        result.append(
            ExternalId(
                type=id_type,
                id=value,
                source_id=_optional_str(item, "source_id"),
                created_at=_optional_str(item, "created_at"),
            )
        )
    return result


def parse_link_records(doc: Any) -> list[tuple[tuple[str, str], ...]]:
    """Each linked profile's (type, id) pairs, in Segment's order (a link without ids is kept
    empty, so positions still match what Segment sent)."""
    body = _object(doc, "body")
    records: list[tuple[tuple[str, str], ...]] = []
    for raw in _list_or_null(body, "data"):
        link = _object(raw, "link")
        external_ids = link.get("external_ids")
        if external_ids is None:
            records.append(())
            continue
        if not isinstance(external_ids, list):
            raise ShapeError("link external_ids is not a list")
        pairs: dict[tuple[str, str], None] = {}
        for raw_id in external_ids:
            item = _object(raw_id, "link external id")
            id_type, value = _optional_str(item, "type"), _optional_str(item, "id")
            if id_type and value:
                pairs.setdefault((id_type, value), None)
        records.append(tuple(pairs))
    return records


def parse_links(doc: Any, id_type: str) -> list[str]:
    """The `id_type` ids (e.g. group_id) of the linked profiles, in order, without repeats."""
    found: dict[str, None] = {}
    for record in parse_link_records(doc):
        for kind, value in record:
            if kind == id_type:
                found.setdefault(value, None)
    return list(found)


def parse_metadata(doc: Any) -> dict[str, Any]:
    """`{"metadata": {...}}`; a top-level `segment_id` (seen by ethyca/fides, not in the docs)
    is kept under that key when present."""
    body = _object(doc, "body")
    metadata = dict(_object(body.get("metadata"), "metadata"))
    segment_id = body.get("segment_id")
    if isinstance(segment_id, str) and "segment_id" not in metadata:
        metadata["segment_id"] = segment_id
    return metadata
