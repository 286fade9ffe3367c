"""In-memory implementations of the state Protocols in bot/state.py (one process, thread-safe)."""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, NamedTuple, TypeVar, cast

from cachetools import TLRUCache

from bot.state.codec import decode_entry, encode_entry
from bot.state.interfaces import CacheEntry, StateBundle
from bot.state.pacing import DEFAULT_LIMITER_BURST, DEFAULT_LIMITER_MARGIN, PacedLimiter

T = TypeVar("T")

__all__ = [
    "DEFAULT_LIMITER_BURST",
    "DEFAULT_LIMITER_MARGIN",
    "MemoryContextStore",
    "MemoryDuplicateGuard",
    "MemoryHistoryStore",
    "MemoryMembershipStore",
    "MemoryProfileStore",
    "MemorySingleFlight",
    "PacedLimiter",
    "memory_state",
]
Clock = Callable[[], float]

DEFAULT_DUPLICATE_KEYS = 100_000
DEFAULT_MEMBERSHIP_GROUPS = 1_000
DEFAULT_CONTEXTS = 50_000
DEFAULT_HISTORY_PEOPLE = 10_000
# Cached profiles are kept as zlib'd compact JSON: a typical 2.8 KB profile takes ~1.4 KB instead
# of ~16 KB of Python objects (10,000 of them: ~70 MB RSS, not ~210). Level 1 costs ~30 µs per
# put and ~10 µs per hit to undo, next to ~60 µs to decode the JSON; higher levels save ~4% more.
PROFILE_COMPRESSION_LEVEL = 1


class _Timed(NamedTuple):
    value: Any
    ttl: float


def _expires(_key: Any, item: _Timed, now: float) -> float:
    return now + item.ttl


class _TtlMap:
    """A bounded map with a TTL per entry (cachetools TLRUCache) behind a lock."""

    def __init__(self, maxsize: int, timer: Clock) -> None:
        self._lock = threading.Lock()
        self._cache: TLRUCache[str, _Timed] = TLRUCache(maxsize, _expires, timer=timer)

    def get(self, key: str) -> Any:
        with self._lock:
            item = self._cache.get(key)
        return None if item is None else item.value

    def put(self, key: str, value: Any, ttl: float) -> None:
        with self._lock:
            if ttl > 0:
                self._cache[key] = _Timed(value, ttl)
            else:
                self._cache.pop(key, None)

    def add_if_absent(self, key: str, value: Any, ttl: float) -> bool:
        with self._lock:
            if self._cache.get(key) is not None:
                return False
            if ttl > 0:
                self._cache[key] = _Timed(value, ttl)
            return True

    def delete(self, key: str | None) -> None:
        with self._lock:
            if key is None:
                self._cache.clear()
            else:
                self._cache.pop(key, None)


class MemoryProfileStore:
    """Finished lookups (profiles and remembered 404s), each with its own TTL.

    Entries are kept encoded (state_codec's JSON, compressed) and decoded on every hit, so each
    `get` returns a fresh, equal entry that shares nothing with what was put or other callers.
    """

    def __init__(self, maxsize: int = 1000, *, timer: Clock = time.monotonic) -> None:
        self._map = _TtlMap(maxsize, timer)

    def get(self, key: str) -> CacheEntry | None:
        """The live entry for `key`, or None."""
        stored = self._map.get(key)
        if stored is None:
            return None
        return decode_entry(zlib.decompress(cast(bytes, stored)))

    def put(self, key: str, entry: CacheEntry, ttl: float) -> None:
        """Remember `entry` for `ttl` seconds (ttl <= 0 forgets the key)."""
        if ttl <= 0:
            self._map.delete(key)
            return
        # Encoded outside the lock: only the insertion is serialised.
        self._map.put(key, zlib.compress(encode_entry(entry), PROFILE_COMPRESSION_LEVEL), ttl)


class MemorySingleFlight:
    """Concurrent `do()` calls with one key share the first caller's execution of `fn`.

    The first caller runs `fn` in its own thread. Others wait until their own deadline and
    then raise TimeoutError. An exception from `fn` reaches every current waiter, but is not
    remembered: the next call runs `fn` again.
    """

    def __init__(self, *, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._calls: dict[str, Future[Any]] = {}

    def do(self, key: str, fn: Callable[[], T], deadline: float) -> T:
        """Run `fn` once for all concurrent callers of `key`, waiting at most until `deadline`."""
        with self._lock:
            shared = self._calls.get(key)
            leader = shared is None
            if shared is None:
                shared = Future()
                self._calls[key] = shared
        if leader:
            return self._lead(key, shared, fn)
        remaining = deadline - self._clock()
        if remaining <= 0:
            raise TimeoutError("deadline passed while waiting for a shared lookup")
        try:
            return cast(T, shared.result(timeout=remaining))
        except TimeoutError:
            if shared.done():  # the shared call itself raised a TimeoutError
                raise
            raise TimeoutError("deadline passed while waiting for a shared lookup") from None

    def _lead(self, key: str, future: Future[Any], fn: Callable[[], T]) -> T:
        try:
            result = fn()
        except BaseException as exc:
            future.set_exception(exc)
            raise
        else:
            future.set_result(result)
            return result
        finally:
            with self._lock:
                self._calls.pop(key, None)


class MemoryDuplicateGuard:
    """Delivery keys seen recently (bounded; the oldest are forgotten first when full)."""

    def __init__(self, maxsize: int = DEFAULT_DUPLICATE_KEYS, *, timer: Clock = time.monotonic):
        self._map = _TtlMap(maxsize, timer)

    def first_time(self, key: str, ttl: float) -> bool:
        """True the first time `key` is seen within `ttl` seconds, False after."""
        return self._map.add_if_absent(key, True, ttl)


class MemoryMembershipStore:
    """User-group members with a TTL per group."""

    def __init__(self, maxsize: int = DEFAULT_MEMBERSHIP_GROUPS, *, timer: Clock = time.monotonic):
        self._map = _TtlMap(maxsize, timer)

    def get(self, group_id: str) -> frozenset[str] | None:
        """The cached members of `group_id`, or None when unknown or expired."""
        return cast(frozenset[str] | None, self._map.get(group_id))

    def put(self, group_id: str, members: frozenset[str], ttl: float) -> None:
        """Cache the members of `group_id` for `ttl` seconds."""
        self._map.put(group_id, frozenset(members), ttl)

    def invalidate(self, group_id: str | None = None) -> None:
        """Forget one group's members, or all of them."""
        self._map.delete(group_id)


class MemoryContextStore:
    """Per-card context under opaque keys, with a TTL; `get` returns a copy."""

    def __init__(self, maxsize: int = DEFAULT_CONTEXTS, *, timer: Clock = time.monotonic) -> None:
        self._map = _TtlMap(maxsize, timer)

    def put(self, key: str, data: dict[str, Any], ttl: float) -> None:
        """Keep a copy of `data` under `key` for `ttl` seconds."""
        self._map.put(key, dict(data), ttl)

    def get(self, key: str) -> dict[str, Any] | None:
        """A copy of the data kept under `key`, or None when unknown or expired."""
        data = self._map.get(key)
        return None if data is None else dict(cast(dict[str, Any], data))


class MemoryHistoryStore:
    """Recent lookups per person with a TTL; `get` returns copies."""

    def __init__(
        self, maxsize: int = DEFAULT_HISTORY_PEOPLE, *, timer: Clock = time.monotonic
    ) -> None:
        self._map = _TtlMap(maxsize, timer)

    def get(self, user_id: str) -> list[dict[str, Any]]:
        """Copies of the entries kept for `user_id` ([] when none or expired)."""
        entries = self._map.get(user_id)
        return [] if entries is None else [dict(e) for e in cast(list[dict[str, Any]], entries)]

    def put(self, user_id: str, entries: list[dict[str, Any]], ttl: float) -> None:
        """Keep copies of `entries` for `ttl` seconds (nothing kept when empty)."""
        self._map.put(user_id, [dict(e) for e in entries], ttl if entries else 0)

    def delete(self, user_id: str) -> bool:
        """Forget everything kept for `user_id` (always possible in memory)."""
        self._map.delete(user_id)
        return True


def memory_state(*, max_profiles: int, rate_rps: float) -> StateBundle:
    """All state in this process's memory: for one process (use Redis for several)."""
    return StateBundle(
        profile_cache=MemoryProfileStore(max_profiles),
        flight=MemorySingleFlight(),
        budget=PacedLimiter(rate_rps),
        duplicates=MemoryDuplicateGuard(),
        memberships=MemoryMembershipStore(),
        contexts=MemoryContextStore(),
        history=MemoryHistoryStore(),
    )
