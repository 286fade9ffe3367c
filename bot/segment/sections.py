"""Clean fetched sections before anything caches or shows them: hidden keys, order, bounds."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.segment.errors import ErrorKind, ProfileApiError
from bot.segment.models import (
    Event,
    EventsPage,
    ExternalId,
    LinkedAccount,
    SectionError,
)
from bot.trait_policy import TraitPolicy

# Key account traits shown for each linked account; only these are fetched (`include=`), so
# every other account trait, hidden or not, never even leaves Segment.
ACCOUNT_KEY_TRAITS: tuple[str, ...] = (
    "name",
    "plan",
    "tier",
    "industry",
    "employees",
    "mrr",
    "arr",
    "website",
    "created_at",
)
MAX_LINKED_ACCOUNTS = 5
NO_ACCOUNT_PROFILE = "no account profile in Segment"
MAX_GROUP_ID_LENGTH = 500  # Segment drops groupIds longer than this


def drop_hidden(values: Mapping[str, Any], policy: TraitPolicy) -> dict[str, Any]:
    """`values` without hidden keys, at every level of nested objects (and objects in lists)."""
    return {k: _scrub(v, policy) for k, v in values.items() if not policy.is_hidden(k)}


def _scrub(value: Any, policy: TraitPolicy) -> Any:
    if isinstance(value, Mapping):
        return drop_hidden(value, policy)
    if isinstance(value, list):
        return [_scrub(item, policy) for item in value]
    return value


def _when(event: Event) -> datetime | None:
    if not event.timestamp:
        return None
    try:
        moment = datetime.fromisoformat(event.timestamp)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def newest_first(events: Sequence[Event]) -> tuple[Event, ...]:
    """Events newest first. Segment sends them so (sort=desc); re-sorted only when every
    timestamp parses, since mixed formats would not compare reliably."""
    dated = [(moment, event) for event in events if (moment := _when(event)) is not None]
    if len(dated) != len(events):
        return tuple(events)
    dated.sort(key=lambda pair: pair[0], reverse=True)  # stable: ties keep Segment's order
    return tuple(event for _, event in dated)


def clean_events(page: EventsPage, policy: TraitPolicy) -> EventsPage:
    """Newest first, with hidden property keys dropped."""
    events = [
        Event(
            event=e.event,
            type=e.type,
            timestamp=e.timestamp,
            properties=drop_hidden(e.properties, policy),
            message_id=e.message_id,
        )
        for e in page.events
    ]
    return EventsPage(events=newest_first(events), next_cursor=page.next_cursor)


def clean_external_ids(ids: Iterable[ExternalId], policy: TraitPolicy) -> tuple[ExternalId, ...]:
    """External ids whose type is not hidden."""
    return tuple(i for i in ids if not policy.is_hidden(i.type))


def usable_group_ids(group_ids: Iterable[str]) -> list[str]:
    """The first few linked group ids that can be looked up."""
    usable = [g for g in group_ids if g and len(g) <= MAX_GROUP_ID_LENGTH and g.strip() == g]
    return usable[:MAX_LINKED_ACCOUNTS]


def account_trait_keys(policy: TraitPolicy, keys: Iterable[str] = ACCOUNT_KEY_TRAITS) -> list[str]:
    """The key account traits that are not hidden (hidden ones are never requested)."""
    return policy.visible(keys)


def linked_account(
    group_id: str, fetched: LinkedAccount | None, error: ProfileApiError | None
) -> LinkedAccount:
    """The fetched account, or the account with the reason it is missing."""
    if fetched is not None:
        return fetched
    reason = error or ProfileApiError(ErrorKind.TIMEOUT, "no answer before the deadline")
    if reason.kind is ErrorKind.NOT_FOUND:
        # Linked by a group call, but the account has no profile of its own: a fact about the
        # data, not an outage, so it reads as one.
        return LinkedAccount(
            group_id, error=SectionError(ErrorKind.NOT_FOUND, NO_ACCOUNT_PROFILE, None)
        )
    return LinkedAccount(group_id, error=SectionError.from_error(reason))
