"""Sample customers: loaded from JSON, indexed by external id, dated relative to now."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

DEFAULT_CUSTOMERS_PATH = Path(__file__).parent / "data" / "customers.json"
EVENT_HISTORY = timedelta(days=14)  # Segment keeps 14 days of track events


@dataclass(frozen=True)
class SampleCustomer:
    """A customer to try in the demo: a name, an identifier to type, and what it shows off."""

    name: str
    identifier: str
    summary: str


@dataclass(frozen=True)
class StoredEvent:
    """One stored track event; its timestamp is `minutes_ago` before the moment it is served."""

    event: str
    minutes_ago: float
    properties: Mapping[str, Any]
    source_id: str
    message_id: str

    def timestamp(self, now: datetime) -> datetime:
        """When this event happened, relative to `now`."""
        return now - timedelta(minutes=self.minutes_ago)


@dataclass(frozen=True)
class StoredProfile:
    """A user or account profile as the sandbox stores it."""

    collection: str
    name: str
    segment_id: str
    created_at: str
    external_ids: tuple[Mapping[str, Any], ...]
    traits: Mapping[str, Any]
    audiences: Mapping[str, Any]
    computed_traits: Mapping[str, Any]
    events: tuple[StoredEvent, ...]
    links: tuple[str, ...]  # users: linked group_ids; accounts: linked users' segment_ids
    source_id: str
    trait_sources: Mapping[str, str]  # trait key → the source that last set it (else source_id)


class CustomerStore:
    """Read-only index over the sample data: (collection, id type, exact value) → profile."""

    def __init__(self, path: Path | None = None) -> None:
        raw = json.loads((path or DEFAULT_CUSTOMERS_PATH).read_text(encoding="utf-8"))
        self._samples: list[SampleCustomer] = []
        self._account_samples: list[SampleCustomer] = []
        self._index: dict[tuple[str, str, str], StoredProfile] = {}
        self._by_segment_id: dict[str, StoredProfile] = {}
        linked_users: dict[str, list[str]] = {}
        for entry in raw.get("users", []):
            profile = _profile("users", entry, tuple(entry.get("accounts", ())))
            self._add(profile)
            self._samples.append(
                SampleCustomer(entry["name"], entry["primary"], entry.get("summary", ""))
            )
            for group_id in profile.links:
                linked_users.setdefault(group_id, []).append(profile.segment_id)
        for entry in raw.get("accounts", []):
            for person in entry.get("people", ()):
                profile = _person(person, entry)
                self._add(profile)
                linked_users.setdefault(entry["group_id"], []).append(profile.segment_id)
        for entry in raw.get("accounts", []):
            group_id = entry["group_id"]
            entry = {
                **entry,
                "external_ids": [{"type": "group_id", "id": group_id, "source_id": "src_accounts"}],
            }
            self._add(_profile("accounts", entry, tuple(linked_users.get(group_id, ()))))
            self._account_samples.append(
                SampleCustomer(entry["name"], f"group_id:{group_id}", entry.get("summary", ""))
            )

    def _add(self, profile: StoredProfile) -> None:
        self._by_segment_id[profile.segment_id] = profile
        for ext in profile.external_ids:
            self._index[(profile.collection, str(ext["type"]), str(ext["id"]))] = profile

    def find(self, collection: str, id_type: str, value: str) -> StoredProfile | None:
        """The profile with exactly this external id (case-sensitive, as Segment matches)."""
        return self._index.get((collection, id_type, value))

    def by_segment_id(self, segment_id: str) -> StoredProfile | None:
        """The profile with this canonical id."""
        return self._by_segment_id.get(segment_id)

    def customers(self) -> list[SampleCustomer]:
        """The user profiles to offer in the demo, in file order."""
        return list(self._samples)

    def accounts(self) -> list[SampleCustomer]:
        """The account profiles to offer in the demo, in file order."""
        return list(self._account_samples)


def _profile(collection: str, entry: Mapping[str, Any], links: tuple[str, ...]) -> StoredProfile:
    segment_id = str(entry["segment_id"])
    events = tuple(
        StoredEvent(
            event=str(item["event"]),
            minutes_ago=float(item["minutes_ago"]),
            properties=item.get("properties") or {},
            source_id=str(item.get("source_id", "src_web")),
            message_id="ajs-" + hashlib.sha1(f"{segment_id}:{index}".encode()).hexdigest()[:32],
        )
        for index, item in enumerate(entry.get("events", ()))
    )
    external_ids = tuple(
        {
            "source_id": ext.get("source_id", "src_web"),
            "collection": collection,
            "id": ext["id"],
            "type": ext["type"],
            "created_at": ext.get("created_at", entry.get("created_at")),
            "encoding": "none",
        }
        for ext in entry.get("external_ids", ())
    )
    first_source = external_ids[0]["source_id"] if external_ids else "src_web"
    return StoredProfile(
        collection=collection,
        name=str(entry["name"]),
        segment_id=segment_id,
        created_at=str(entry.get("created_at", "")),
        external_ids=external_ids,
        traits=entry.get("traits") or {},
        audiences=entry.get("audiences") or {},
        computed_traits=entry.get("computed_traits") or {},
        events=tuple(sorted(events, key=lambda e: e.minutes_ago)),
        links=links,
        source_id=str(first_source),
        trait_sources={str(k): str(v) for k, v in (entry.get("trait_sources") or {}).items()},
    )


def _person(person: Mapping[str, Any], account: Mapping[str, Any]) -> StoredProfile:
    """A user profile from an account's compact `people` entry: a name, a title, an email and
    a user id, linked to that account (they are not listed among the demo's customers)."""
    first, _, last = str(person["name"]).partition(" ")
    traits = {
        "name": person["name"],
        "first_name": first,
        "last_name": last,
        "email": person["email"],
        "company": account["traits"].get("name", account["name"]),
        **({"title": person["title"]} if person.get("title") else {}),
    }
    entry = {
        "name": person["name"],
        "segment_id": "use_" + hashlib.sha1(person["user_id"].encode()).hexdigest()[:27],
        "created_at": account.get("created_at", ""),
        "external_ids": [
            {"type": "user_id", "id": person["user_id"], "source_id": "src_app"},
            {"type": "email", "id": person["email"], "source_id": "src_app"},
        ],
        "traits": traits,
    }
    return _profile("users", entry, (str(account["group_id"]),))


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and a Z, as Segment writes timestamps."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def resolve_value(value: Any, now: datetime) -> Any:
    """Turn a stored `{"$minutes_ago": N}` into an ISO timestamp; other values pass through."""
    if isinstance(value, dict) and set(value) == {"$minutes_ago"}:
        return iso(now - timedelta(minutes=float(value["$minutes_ago"])))
    return value


def updated_at(key: str, now: datetime) -> str:
    """A stable made-up `updated_at` for a trait (for `verbose=true`), hours to days ago."""
    minutes = int(hashlib.sha1(key.encode()).hexdigest()[:6], 16) % (6 * 1440) + 30
    return iso(now - timedelta(minutes=minutes))
