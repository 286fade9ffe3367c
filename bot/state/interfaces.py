"""Interfaces of the state the bot keeps between requests: in memory, or shared through Redis.

The lookup's own interfaces (profile cache, single-flight, request budget) are declared by the
Segment side in bot/segment/ports.py; the Slack side's are declared here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from bot.segment.ports import (
    CacheEntry,
    NotFoundEntry,
    ProfileStore,
    RequestBudget,
    SingleFlight,
)

__all__ = [
    "CacheEntry",
    "ContextStore",
    "DuplicateGuard",
    "HistoryStore",
    "MembershipStore",
    "NotFoundEntry",
    "ProfileStore",
    "RequestBudget",
    "SingleFlight",
    "StateBundle",
]


class DuplicateGuard(Protocol):
    """Remembers delivery keys so that a request Slack sends twice is handled once."""

    def first_time(self, key: str, ttl: float) -> bool:
        """True the first time `key` is seen within `ttl` seconds, False after."""
        ...


class MembershipStore(Protocol):
    """User-group membership, cached with a TTL."""

    def get(self, group_id: str) -> frozenset[str] | None:
        """The cached members of `group_id`, or None when unknown or expired."""
        ...

    def put(self, group_id: str, members: frozenset[str], ttl: float) -> None:
        """Cache the members of `group_id` for `ttl` seconds."""
        ...

    def invalidate(self, group_id: str | None = None) -> None:
        """Forget one group's members, or all of them."""
        ...


class ContextStore(Protocol):
    """Per-card context (requester, identifier, channel…) kept server-side under an opaque key."""

    def put(self, key: str, data: dict[str, Any], ttl: float) -> None:
        """Keep `data` under `key` for `ttl` seconds."""
        ...

    def get(self, key: str) -> dict[str, Any] | None:
        """The data kept under `key`, or None when unknown or expired."""
        ...


class HistoryStore(Protocol):
    """Each person's recent lookups (personal data), kept whole per person with a TTL."""

    def get(self, user_id: str) -> list[dict[str, Any]]:
        """The entries kept for `user_id` ([] when none or expired)."""
        ...

    def put(self, user_id: str, entries: list[dict[str, Any]], ttl: float) -> None:
        """Keep `entries` (JSON values only) for `user_id` for `ttl` seconds."""
        ...

    def delete(self, user_id: str) -> bool:
        """Forget everything kept for `user_id`; False when that could not be done everywhere."""
        ...


@dataclass(frozen=True)
class StateBundle:
    """Every piece of state one bot process uses, in memory or shared through Redis."""

    profile_cache: ProfileStore
    flight: SingleFlight
    budget: RequestBudget
    duplicates: DuplicateGuard
    memberships: MembershipStore
    contexts: ContextStore
    history: HistoryStore
