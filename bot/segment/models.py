"""A customer profile and its sections, as plain immutable data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.identifiers import Identifier
from bot.segment.errors import ErrorKind, ProfileApiError

JsonValue = Any  # a value decoded from JSON: str, int, float, bool, None, list or dict

# Section names used in `Profile.errors` and in audit records.
SECTION_TRAITS = "traits"
SECTION_AUDIENCES = "audiences"
SECTION_COMPUTED = "computed_traits"
SECTION_EXTERNAL_IDS = "external_ids"
SECTION_EVENTS = "events"
SECTION_ACCOUNTS = "accounts"
SECTION_PEOPLE = "people"  # an account's linked users
SECTION_METADATA = "metadata"


@dataclass(frozen=True)
class SectionError:
    """Why one section of a profile is missing; `message` is safe to show and to log."""

    kind: ErrorKind
    message: str
    request_id: str | None = None

    @classmethod
    def from_error(cls, error: ProfileApiError) -> SectionError:
        """Describe a failed call as a section error."""
        return cls(error.kind, str(error), error.request_id)


@dataclass(frozen=True)
class ExternalId:
    """One identifier Segment knows this profile by (`type` such as email, user_id)."""

    type: str
    id: str
    source_id: str | None = None
    created_at: str | None = None


@dataclass(frozen=True)
class Event:
    """One tracked event; `timestamp` is ISO 8601 as Segment sent it."""

    event: str
    type: str
    timestamp: str | None
    properties: Mapping[str, JsonValue] = field(default_factory=dict)
    message_id: str | None = None


@dataclass(frozen=True)
class EventsPage:
    """A page of events, newest first, with the cursor for the next page (None at the end)."""

    events: tuple[Event, ...]
    next_cursor: str | None


@dataclass(frozen=True)
class TraitSource:
    """Where a trait's current value came from, as `verbose=true` reports it (both optional:
    the documented example shows only placeholders, so neither format is promised)."""

    source_id: str | None = None
    updated_at: str | None = None  # ISO 8601 as Segment sent it (unverified format)


@dataclass(frozen=True)
class TraitsPage:
    """Traits gathered over one or more pages; `complete` is False when the page cap cut them."""

    traits: Mapping[str, JsonValue]
    complete: bool
    next_cursor: str | None = None
    sources: Mapping[str, TraitSource] = field(default_factory=dict)  # verbose pages only


@dataclass(frozen=True)
class LinkedAccount:
    """An account (group) linked to the profile, with its traits or the reason they are missing."""

    group_id: str
    traits: Mapping[str, JsonValue] = field(default_factory=dict)
    error: SectionError | None = None


@dataclass(frozen=True)
class LinkedPerson:
    """A user linked to an account: the identifier the link gives, and a few of their traits.

    `fetched` is False when their traits were not asked for; `error` says why asking failed.
    """

    id_type: str
    id_value: str
    traits: Mapping[str, JsonValue] = field(default_factory=dict)
    fetched: bool = False
    error: SectionError | None = None


@dataclass(frozen=True)
class Profile:
    """One customer's profile as the card shows it. Sections that failed are named in `errors`."""

    identifier: Identifier
    fetched_at: float  # epoch seconds
    traits: Mapping[str, JsonValue] = field(default_factory=dict)
    traits_complete: bool = True
    audiences: Mapping[str, JsonValue] = field(default_factory=dict)
    computed_traits: Mapping[str, JsonValue] = field(default_factory=dict)
    external_ids: tuple[ExternalId, ...] = ()
    events: tuple[Event, ...] = ()
    events_cursor: str | None = None
    accounts: tuple[LinkedAccount, ...] = ()
    people: tuple[LinkedPerson, ...] = ()  # accounts only: linked users, as Segment lists them
    metadata: Mapping[str, JsonValue] = field(default_factory=dict)
    errors: Mapping[str, SectionError] = field(default_factory=dict)
    # Per trait key (plain, computed or audience): its source and last update, when known.
    trait_sources: Mapping[str, TraitSource] = field(default_factory=dict)

    @property
    def is_partial(self) -> bool:
        """True when at least one section could not be fetched."""
        return bool(self.errors)
