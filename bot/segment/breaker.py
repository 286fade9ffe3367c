"""A thread-safe circuit breaker: stop calling Segment for a while after repeated failures."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from enum import StrEnum

DEFAULT_FAILURE_THRESHOLD = 5
DEFAULT_RESET_SECONDS = 30.0


class BreakerState(StrEnum):
    """Closed: calls flow. Open: calls fail fast. Half-open: one probe call is allowed."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Opens after failures from `failure_threshold` distinct scopes in a row (no success in
    between); after `reset_seconds` lets ONE probe through, closing again when it succeeds and
    reopening when it fails.

    A scope is one unit of work, e.g. one lookup: its four to six concurrent calls (and the
    linked-account calls) all fail together when one profile is slow or broken, so they count as
    one failure, and only a run of failing lookups (a real outage) opens the breaker. A failure
    without a scope counts on its own.

    Callers must pair every `allow()` that returned True with exactly one of
    `record_success()`, `record_failure()` or `record_neutral()`.
    """

    def __init__(
        self,
        *,
        failure_threshold: int = DEFAULT_FAILURE_THRESHOLD,
        reset_seconds: float = DEFAULT_RESET_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1 or reset_seconds <= 0:
            raise ValueError("failure_threshold must be >= 1 and reset_seconds > 0")
        self.failure_threshold = failure_threshold
        self.reset_seconds = reset_seconds
        self._clock = clock
        self._lock = threading.Lock()
        # The scopes that failed since the last success (at most `failure_threshold` entries).
        self._failed_scopes: set[Hashable] = set()
        self._opened_at: float | None = None
        self._probe_out = False

    @property
    def state(self) -> BreakerState:
        """The current state (an open breaker whose reset period has passed is half-open)."""
        with self._lock:
            return self._state_locked(self._clock())

    def retry_in(self) -> float:
        """Seconds until an open breaker lets a probe through (0 when not open)."""
        with self._lock:
            if self._opened_at is None:
                return 0.0
            return max(0.0, self._opened_at + self.reset_seconds - self._clock())

    def allow(self) -> bool:
        """May a call go out now? In half-open state only the first caller gets True."""
        with self._lock:
            state = self._state_locked(self._clock())
            if state is BreakerState.CLOSED:
                return True
            if state is BreakerState.HALF_OPEN and not self._probe_out:
                self._probe_out = True
                return True
            return False

    def record_success(self) -> None:
        """The call worked (or failed for a reason that says nothing about Segment's health)."""
        with self._lock:
            self._failed_scopes.clear()
            self._opened_at = None
            self._probe_out = False

    def record_failure(self, scope: Hashable | None = None) -> None:
        """The call failed in a way that suggests Segment is unhealthy (timeout, 5xx, …);
        failures sharing a `scope` count once (None: this failure is a scope of its own)."""
        with self._lock:
            now = self._clock()
            if self._opened_at is not None:
                # A failed probe (or a late failure while open): start a fresh reset period.
                self._opened_at = now
                self._probe_out = False
                return
            self._failed_scopes.add(object() if scope is None else scope)
            if len(self._failed_scopes) >= self.failure_threshold:
                self._failed_scopes.clear()
                self._opened_at = now
                self._probe_out = False

    @property
    def failure_count(self) -> int:
        """Failures counted toward the threshold since the last success (scopes, not calls)."""
        with self._lock:
            return len(self._failed_scopes)

    def record_neutral(self) -> None:
        """The call ended without telling us anything (429, 401, refused locally)."""
        with self._lock:
            self._probe_out = False

    def _state_locked(self, now: float) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        if now - self._opened_at >= self.reset_seconds:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN
