"""Cache entries, card contexts and failed lookups as versioned JSON bytes (memory and Redis)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot.identifiers import Identifier
from bot.segment.errors import ErrorKind, ProfileApiError
from bot.segment.models import (
    Event,
    ExternalId,
    LinkedAccount,
    LinkedPerson,
    Profile,
    SectionError,
    TraitSource,
)
from bot.state.interfaces import CacheEntry, NotFoundEntry

# Cache entries (profiles, not-founds). 2: the identifier's exact-case flag and each trait's
# source and update time; 3: account profiles carry their linked people. An entry written by an
# older version is a miss (read as a CodecError).
FORMAT_VERSION = 3
# Card contexts and shared lookup errors: unchanged, so cards keep working across the upgrade.
CONTEXT_FORMAT_VERSION = 1
# Each person's recent lookups (the Home tab).
HISTORY_FORMAT_VERSION = 1


class CodecError(ValueError):
    """Stored bytes that cannot be read back (corrupt, other version, wrong shape)."""


def _json_default(value: object) -> object:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (tuple, frozenset, set)):
        return list(value)
    raise TypeError(f"cannot store a {type(value).__name__} as JSON")


def _dumps(document: object) -> bytes:
    return json.dumps(document, default=_json_default, separators=(",", ":")).encode()


def _loads(data: bytes, version: int = FORMAT_VERSION) -> dict[str, Any]:
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CodecError("stored value is not JSON") from exc
    if not isinstance(document, dict) or document.get("v") != version:
        raise CodecError("stored value has another format version")
    return document


def _section_error(error: SectionError) -> dict[str, Any]:
    return {"kind": error.kind.value, "message": error.message, "request_id": error.request_id}


def _profile_document(profile: Profile) -> dict[str, Any]:
    return {
        "identifier": [
            profile.identifier.type,
            profile.identifier.value,
            profile.identifier.exact,
        ],
        "fetched_at": profile.fetched_at,
        "traits": profile.traits,
        "traits_complete": profile.traits_complete,
        "audiences": profile.audiences,
        "computed_traits": profile.computed_traits,
        "external_ids": [[x.type, x.id, x.source_id, x.created_at] for x in profile.external_ids],
        "events": [
            [e.event, e.type, e.timestamp, e.properties, e.message_id] for e in profile.events
        ],
        "events_cursor": profile.events_cursor,
        "accounts": [
            [a.group_id, a.traits, _section_error(a.error) if a.error else None]
            for a in profile.accounts
        ],
        "people": [
            [
                p.id_type,
                p.id_value,
                p.traits,
                p.fetched,
                _section_error(p.error) if p.error else None,
            ]
            for p in profile.people
        ],
        "metadata": profile.metadata,
        "errors": {name: _section_error(err) for name, err in profile.errors.items()},
        "trait_sources": {
            key: [source.source_id, source.updated_at]
            for key, source in profile.trait_sources.items()
        },
    }


def encode_entry(entry: CacheEntry) -> bytes:
    """JSON bytes for a profile or a remembered not-found."""
    if isinstance(entry, NotFoundEntry):
        return _dumps({"v": FORMAT_VERSION, "entry": "not_found", "fetched_at": entry.fetched_at})
    return _dumps({"v": FORMAT_VERSION, "entry": "profile", **_profile_document(entry)})


def _str(value: object, *, optional: bool = False) -> Any:
    if isinstance(value, str) or (optional and value is None):
        return value
    raise CodecError("stored value has the wrong shape")


def _number(value: object) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise CodecError("stored value has the wrong shape")


def _mapping(value: object) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    raise CodecError("stored value has the wrong shape")


def _list(value: object) -> list[Any]:
    if isinstance(value, list):
        return value
    raise CodecError("stored value has the wrong shape")


def _read_section_error(raw: object) -> SectionError:
    doc = _mapping(raw)
    try:
        kind = ErrorKind(_str(doc.get("kind")))
    except ValueError as exc:
        raise CodecError("stored value names an unknown error kind") from exc
    return SectionError(kind, _str(doc.get("message")), _str(doc.get("request_id"), optional=True))


def _read_profile(doc: dict[str, Any]) -> Profile:
    ident = _list(doc.get("identifier"))
    if len(ident) != 3 or not isinstance(ident[2], bool):
        raise CodecError("stored value has the wrong shape")
    trait_sources = {}
    for key, item in _mapping(doc.get("trait_sources")).items():
        source_id, updated_at = _list(item)
        trait_sources[_str(key)] = TraitSource(
            _str(source_id, optional=True), _str(updated_at, optional=True)
        )
    external_ids = []
    for item in _list(doc.get("external_ids")):
        x_type, x_id, source, created = _list(item)
        external_ids.append(
            ExternalId(
                _str(x_type), _str(x_id), _str(source, optional=True), _str(created, optional=True)
            )
        )
    events = []
    for item in _list(doc.get("events")):
        name, e_type, stamp, props, message_id = _list(item)
        events.append(
            Event(
                _str(name),
                _str(e_type),
                _str(stamp, optional=True),
                _mapping(props),
                _str(message_id, optional=True),
            )
        )
    accounts = []
    for item in _list(doc.get("accounts")):
        group_id, traits, error = _list(item)
        accounts.append(
            LinkedAccount(
                _str(group_id),
                _mapping(traits),
                None if error is None else _read_section_error(error),
            )
        )
    people = []
    for item in _list(doc.get("people")):
        id_type, id_value, traits, fetched, error = _list(item)
        if not isinstance(fetched, bool):
            raise CodecError("stored value has the wrong shape")
        people.append(
            LinkedPerson(
                _str(id_type),
                _str(id_value),
                _mapping(traits),
                fetched,
                None if error is None else _read_section_error(error),
            )
        )
    traits_complete = doc.get("traits_complete")
    if not isinstance(traits_complete, bool):
        raise CodecError("stored value has the wrong shape")
    return Profile(
        identifier=Identifier(_str(ident[0]), _str(ident[1]), exact=ident[2]),
        fetched_at=_number(doc.get("fetched_at")),
        traits=_mapping(doc.get("traits")),
        traits_complete=traits_complete,
        audiences=_mapping(doc.get("audiences")),
        computed_traits=_mapping(doc.get("computed_traits")),
        external_ids=tuple(external_ids),
        events=tuple(events),
        events_cursor=_str(doc.get("events_cursor"), optional=True),
        accounts=tuple(accounts),
        people=tuple(people),
        metadata=_mapping(doc.get("metadata")),
        errors={
            _str(name): _read_section_error(err)
            for name, err in _mapping(doc.get("errors")).items()
        },
        trait_sources=trait_sources,
    )


def decode_entry(data: bytes) -> CacheEntry:
    """The entry `encode_entry` wrote; CodecError when the bytes are not one."""
    doc = _loads(data)
    try:
        if doc.get("entry") == "not_found":
            return NotFoundEntry(fetched_at=_number(doc.get("fetched_at")))
        if doc.get("entry") == "profile":
            return _read_profile(doc)
    except (TypeError, ValueError) as exc:  # wrong list lengths while unpacking, and CodecError
        raise CodecError("stored value has the wrong shape") from exc
    raise CodecError("stored value is not a cache entry")


def encode_context(data: Mapping[str, Any]) -> bytes:
    """JSON bytes for a card context (values: str, numbers, bools, None, lists, dicts)."""
    return _dumps({"v": CONTEXT_FORMAT_VERSION, "context": data})


def decode_context(data: bytes) -> dict[str, Any]:
    """The context `encode_context` wrote; CodecError when the bytes are not one."""
    return _mapping(_loads(data, CONTEXT_FORMAT_VERSION).get("context"))


def encode_history(entries: list[dict[str, Any]]) -> bytes:
    """JSON bytes for a person's recent lookups."""
    return _dumps({"v": HISTORY_FORMAT_VERSION, "history": entries})


def decode_history(data: bytes) -> list[dict[str, Any]]:
    """The entries `encode_history` wrote; CodecError when the bytes are not that."""
    entries = _loads(data, HISTORY_FORMAT_VERSION).get("history")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise CodecError("stored history is not a list of entries")
    return entries


def encode_error(error: ProfileApiError) -> bytes:
    """JSON bytes for a failed lookup, so processes waiting on the same flight can raise it too."""
    return _dumps(
        {
            "v": CONTEXT_FORMAT_VERSION,
            "error": error.kind.value,
            "detail": error.detail,
            "status": error.status,
            "request_id": error.request_id,
            "retry_after": error.retry_after,
        }
    )


def decode_error(data: bytes) -> ProfileApiError:
    """The error `encode_error` wrote; CodecError when the bytes are not one."""
    doc = _loads(data, CONTEXT_FORMAT_VERSION)
    try:
        kind = ErrorKind(_str(doc.get("error")))
        status = doc.get("status")
        retry_after = doc.get("retry_after")
        if status is not None and (not isinstance(status, int) or isinstance(status, bool)):
            raise CodecError("stored value has the wrong shape")
        return ProfileApiError(
            kind,
            _str(doc.get("detail")),
            status=status,
            request_id=_str(doc.get("request_id"), optional=True),
            retry_after=None if retry_after is None else _number(retry_after),
        )
    except ValueError as exc:
        raise CodecError("stored value is not an error") from exc
