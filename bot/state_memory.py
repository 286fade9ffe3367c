"""In-memory implementations of the state Protocols in bot/state.py (one process, thread-safe)."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, NamedTuple, TypeVar, cast

from cachetools import TLRUCache

from bot.settings import Settings
from bot.state import CacheEntry, StateBundle

T = TypeVar("T")
Clock = Callable[[], float]

DEFAULT_DUPLICATE_KEYS = 100_000
DEFAULT_MEMBERSHIP_GROUPS = 1_000
DEFAULT_CONTEXTS = 50_000
# The sandbox (and Segment) count arrivals; a request granted at t may arrive a little later
# than the one granted at t + window, so each window is stretched by this fraction.
DEFAULT_LIMITER_MARGIN = 0.1
# Permits sent back to back before pacing starts (at least a cold card's 4-6 requests, so an
# idle bot adds no delay; a quarter of the rate when that is more).
DEFAULT_LIMITER_BURST = 6


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
    """Finished lookups (profiles and remembered 404s), each with its own TTL."""

    def __init__(self, maxsize: int = 1000, *, timer: Clock = time.monotonic) -> None:
        self._map = _TtlMap(maxsize, timer)

    def get(self, key: str) -> CacheEntry | None:
        """The live entry for `key`, or None."""
        return cast(CacheEntry | None, self._map.get(key))

    def put(self, key: str, entry: CacheEntry, ttl: float) -> None:
        """Remember `entry` for `ttl` seconds (ttl <= 0 forgets the key)."""
        self._map.put(key, entry, ttl)


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


class TokenBucket:
    """Request permits: at most `rate` in ANY window of `1 + margin` seconds, so at most
    `rate` per rolling second as the server counts them, with room for network jitter.

    Two rules; each caller takes the earliest slot that satisfies both (FIFO), then sleeps
    until it. A caller whose slot would fall after its deadline gets False and takes nothing.
    1. A sliding-window log of granted slots: the hard bound. (A classic bucket with burst R
       refilling at R/s admits 2R within one second.)
    2. GCRA pacing at `rate`/s after a burst of `burst`. Without it a saturated limiter
       releases all R permits at the same instant once per window; their queueing delays
       smear that crowd past the server's window edge, and it counts more than R in a second.
    """

    def __init__(
        self,
        rate: float,
        *,
        margin: float = DEFAULT_LIMITER_MARGIN,
        burst: int | None = None,
        clock: Clock = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not math.isfinite(rate) or rate <= 0 or margin < 0:
            raise ValueError("rate must be a positive number and margin >= 0")
        if rate >= 1:
            self.capacity, base_window = math.floor(rate), 1.0
        else:
            self.capacity, base_window = 1, 1.0 / rate
        self.window = base_window * (1.0 + margin)
        self.interval = base_window / self.capacity
        default_burst = max(DEFAULT_LIMITER_BURST, math.ceil(self.capacity / 4))
        self.burst = min(self.capacity, burst if burst is not None else default_burst)
        self._tolerance = (max(1, self.burst) - 1) * self.interval
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._slots: deque[float] = deque(maxlen=self.capacity)
        self._theoretical = float("-inf")  # GCRA's theoretical arrival time

    def acquire(self, deadline: float) -> bool:
        """Wait for one permit until the monotonic `deadline`; False if none came in time."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._theoretical - self._tolerance)
            if len(self._slots) == self.capacity:
                slot = max(slot, self._slots[0] + self.window)
            if slot > deadline:
                return False
            self._slots.append(slot)
            self._theoretical = max(self._theoretical, slot) + self.interval
        delay = slot - self._clock()
        if delay > 0:
            self._sleep(delay)
        return True


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


def memory_state(settings: Settings) -> StateBundle:
    """All state in this process's memory: for one process (use Redis for several)."""
    return StateBundle(
        profiles=MemoryProfileStore(settings.cache_max_profiles),
        flight=MemorySingleFlight(),
        budget=TokenBucket(settings.segment_rate_limit_rps),
        duplicates=MemoryDuplicateGuard(),
        memberships=MemoryMembershipStore(),
        contexts=MemoryContextStore(),
    )
