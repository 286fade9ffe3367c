"""Interfaces of the state the bot keeps between requests: in memory, or shared through Redis."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from bot.segment.models import Profile

T = TypeVar("T")


@dataclass(frozen=True)
class NotFoundEntry:
    """A remembered 404, so that repeated lookups of an unknown id cost no upstream request."""

    fetched_at: float


CacheEntry = Profile | NotFoundEntry


class ProfileStore(Protocol):
    """A bounded TTL cache of finished lookups, keyed by a (hashed) normalised identifier."""

    def get(self, key: str) -> CacheEntry | None:
        """The live entry for `key`, or None."""
        ...

    def put(self, key: str, entry: CacheEntry, ttl: float) -> None:
        """Remember `entry` for `ttl` seconds."""
        ...


class SingleFlight(Protocol):
    """Concurrent calls with the same key share one execution of `fn`."""

    def do(self, key: str, fn: Callable[[], T], deadline: float) -> T:
        """Run `fn` once for all concurrent callers of `key`, waiting at most until `deadline`."""
        ...


class RequestBudget(Protocol):
    """Permits for upstream requests: this deployment's share of the space's rate limit."""

    def acquire(self, deadline: float) -> bool:
        """Wait for one permit until the monotonic `deadline`; False if none came in time."""
        ...


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


@dataclass(frozen=True)
class StateBundle:
    """Every piece of state one bot process uses, in memory or shared through Redis."""

    profiles: ProfileStore
    flight: SingleFlight
    budget: RequestBudget
    duplicates: DuplicateGuard
    memberships: MembershipStore
    contexts: ContextStore
