"""Response bodies for the Profile API routes, shaped like Segment's documented examples."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from bot.sandbox.data import EVENT_HISTORY, CustomerStore, StoredProfile, iso, resolve_value
from bot.sandbox.data import updated_at as trait_updated_at

# (default, maximum) page sizes. Traits: documented 10 and 200. Events and external_ids: not
# documented; the generic pagination table says 1..100. Links: documented cap of 20, no cursor.
TRAITS_LIMITS = (10, 200)
EVENTS_LIMITS = (10, 100)
EXTERNAL_IDS_LIMITS = (25, 100)
LINKS_LIMITS = (20, 20)
ACCOUNT_ROUTES = frozenset({"traits", "links"})  # the only account routes Segment documents


class ApiError(Exception):
    """An error answer: HTTP status plus Segment's `error.code` and `error.message`."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        """The JSON error body."""
        return {"error": {"code": self.code, "message": self.message}}


NOT_FOUND = ApiError(404, "not_found", "Profile was not found.")


def render(
    route: str,
    profile: StoredProfile,
    store: CustomerStore,
    query: Mapping[str, str],
    *,
    space_id: str,
    now: datetime | None = None,
    account_audiences: bool = True,
) -> dict[str, Any]:
    """The 200 body for one route of one profile, or raise ApiError for bad parameters."""
    moment = now or datetime.now(UTC)
    if profile.collection == "accounts" and route not in ACCOUNT_ROUTES:
        raise NOT_FOUND
    if profile.collection == "accounts" and not account_audiences:
        if route == "traits" and query.get("class") == "audience":
            # Undocumented: what Segment answers class=audience on an account when the space
            # has no account audiences. A 400 is the sandbox's guess; the bot must cope with it
            # (and equally with an empty 200, which is what an account in no audience gets).
            raise ApiError(
                400, "validation_error", "Account audiences are not enabled for this space."
            )
        profile = replace(profile, audiences={})
    url = (
        f"/v1/spaces/{space_id}/collections/{profile.collection}"
        f"/profiles/{profile.segment_id}/{route}"
    )
    renderer = _RENDERERS.get(route)
    if renderer is None:
        raise ApiError(404, "not_found", "Route was not found.")
    return renderer(profile, store, query, url, moment)


def _traits(
    profile: StoredProfile, store: CustomerStore, query: Mapping[str, str], url: str, now: datetime
) -> dict[str, Any]:
    trait_class = query.get("class")
    if trait_class is None or trait_class == "":
        # Audiences and computed traits appear as ordinary traits on the plain route.
        source = {**profile.traits, **profile.computed_traits, **profile.audiences}
    elif trait_class == "audience":
        source = dict(profile.audiences)
    elif trait_class == "computed_trait":
        source = dict(profile.computed_traits)
    else:
        raise ApiError(400, "validation_error", "The parameter `class` has an invalid value.")
    wanted = _csv(query.get("include"))
    keys = sorted(k for k in source if wanted is None or k in wanted)
    limit = _limit(query, *TRAITS_LIMITS)
    offset = _offset(query, "traits")
    page = keys[offset : offset + limit]
    verbose = query.get("verbose", "").lower() == "true"
    traits: dict[str, Any] = {}
    for key in page:
        value = resolve_value(source[key], now)
        if verbose:
            # The documented shape (profile-api.md, "With ?verbose=true"); Segment's example
            # shows only ".." placeholders, so the id and time formats here are our guess.
            value = {
                "value": value,
                "source_id": profile.trait_sources.get(key, profile.source_id),
                "updated_at": trait_updated_at(key, now),
            }
        traits[key] = value
    return {"traits": traits, "cursor": _cursor("traits", url, offset, limit, len(keys))}


def _events(
    profile: StoredProfile, store: CustomerStore, query: Mapping[str, str], url: str, now: datetime
) -> dict[str, Any]:
    sort = query.get("sort", "desc") or "desc"
    if sort not in ("asc", "desc"):
        raise ApiError(400, "validation_error", "The parameter `sort` must be asc or desc.")
    start = _moment(query, "start")
    end = _moment(query, "end")
    include = _csv(query.get("include"))
    exclude = _csv(query.get("exclude")) or set()
    oldest = now - EVENT_HISTORY
    chosen = []
    for stored in profile.events:  # stored newest first
        at = stored.timestamp(now)
        if at < oldest or (start is not None and at < start) or (end is not None and at >= end):
            continue
        if (include is not None and stored.event not in include) or stored.event in exclude:
            continue
        chosen.append((stored, at))
    if sort == "asc":
        chosen.reverse()
    limit = _limit(query, *EVENTS_LIMITS)
    offset = _offset(query, "events")
    ids = [
        {"collection": "users", "type": e["type"], "id": e["id"], "encoding": "none"}
        for e in profile.external_ids
        if e["type"] in ("user_id", "anonymous_id")
    ]
    data = [
        {
            "external_ids": ids,
            "context": {
                "ip": "203.0.113.24",
                "library": {"name": "analytics.js", "version": "5.2.0"},
            },
            "type": "track",
            "message_id": stored.message_id,
            "source_id": stored.source_id,
            "timestamp": iso(at),
            "properties": dict(stored.properties),
            "event": stored.event,
            "related": {"users": profile.segment_id},
        }
        for stored, at in chosen[offset : offset + limit]
    ]
    return {"data": data, "cursor": _cursor("events", url, offset, limit, len(chosen))}


def _external_ids(
    profile: StoredProfile, store: CustomerStore, query: Mapping[str, str], url: str, now: datetime
) -> dict[str, Any]:
    wanted = _csv(query.get("include"))
    rows = [dict(e) for e in profile.external_ids if wanted is None or e["type"] in wanted]
    limit = _limit(query, *EXTERNAL_IDS_LIMITS)
    offset = _offset(query, "external_ids")
    return {
        "data": rows[offset : offset + limit],
        "cursor": _cursor("external_ids", url, offset, limit, len(rows)),
    }


def _links(
    profile: StoredProfile, store: CustomerStore, query: Mapping[str, str], url: str, now: datetime
) -> dict[str, Any]:
    limit = _limit(query, *LINKS_LIMITS)
    data: list[dict[str, Any]] = []
    if profile.collection == "users":
        for group_id in profile.links[:limit]:
            account = store.find("accounts", "group_id", group_id)
            external_id = {
                "id": group_id,
                "type": "group_id",
                "source_id": "src_accounts",
                "collection": "accounts",
                "created_at": account.created_at if account else profile.created_at,
                "encoding": "none",
            }
            data.append({"to_collection": "accounts", "external_ids": [external_id]})
    else:
        for segment_id in profile.links[:limit]:
            user = store.by_segment_id(segment_id)
            if user is not None:
                ids = [dict(e) for e in user.external_ids]
                data.append({"to_collection": "users", "external_ids": ids})
    return {"data": data}


def _metadata(
    profile: StoredProfile, store: CustomerStore, query: Mapping[str, str], url: str, now: datetime
) -> dict[str, Any]:
    newest = profile.events[0] if profile.events else None
    oldest = profile.events[-1] if profile.events else None
    # The docs show only `metadata`; some third-party code also reads a top-level `segment_id`
    # (unverified), so clients should not depend on either being present.
    return {
        "metadata": {
            "created_at": profile.created_at,
            "updated_at": iso(newest.timestamp(now)) if newest else profile.created_at,
            "expires_at": None,
            "first_message_id": oldest.message_id if oldest else None,
            "first_source_id": oldest.source_id if oldest else profile.source_id,
            "last_message_id": newest.message_id if newest else None,
            "last_source_id": newest.source_id if newest else profile.source_id,
        }
    }


_Renderer = Callable[
    [StoredProfile, CustomerStore, Mapping[str, str], str, datetime], dict[str, Any]
]
_RENDERERS: dict[str, _Renderer] = {
    "traits": _traits,
    "events": _events,
    "external_ids": _external_ids,
    "links": _links,
    "metadata": _metadata,
}


def encode_cursor(route: str, offset: int) -> str:
    """An opaque cursor for the page starting at `offset`."""
    return base64.urlsafe_b64encode(f"{route}::{offset}".encode()).decode("ascii").rstrip("=")


def _offset(query: Mapping[str, str], route: str) -> int:
    token = query.get("next", "")
    if not token:
        return 0
    try:
        decoded = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
        name, _, offset = decoded.partition("::")
        if name == route and offset.isdigit():
            return int(offset)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise ApiError(400, "invalid_request_error", "The parameter `next` is not a valid cursor.")


def _cursor(route: str, url: str, offset: int, limit: int, total: int) -> dict[str, Any]:
    has_more = offset + limit < total
    return {
        "url": url,
        "has_more": has_more,
        "next": encode_cursor(route, offset + limit) if has_more else "",
        "limit": limit,
    }


def _limit(query: Mapping[str, str], default: int, maximum: int) -> int:
    raw = query.get("limit")
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "validation_error", "The parameter `limit` must be a number.") from None
    if value < 1:
        raise ApiError(400, "validation_error", "The parameter `limit` must be at least 1.")
    # Undocumented what Segment does above the maximum; the sandbox caps the page size.
    return min(value, maximum)


def _csv(raw: str | None) -> set[str] | None:
    if raw is None or raw == "":
        return None
    return {part.strip() for part in raw.split(",") if part.strip()}


def _moment(query: Mapping[str, str], name: str) -> datetime | None:
    raw = query.get(name)
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise ApiError(
            400, "validation_error", f"The parameter `{name}` is not ISO 8601."
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
