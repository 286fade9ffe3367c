"""What a lookup needs from the state it runs on; bot.state implements these (memory or Redis).

The Segment side declares them so that it imports nothing above or beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

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
