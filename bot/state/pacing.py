"""The in-process request budget: at most R Profile API requests in any rolling second."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

Clock = Callable[[], float]

# The sandbox (and Segment) count arrivals; a request granted at t may arrive a little later
# than the one granted at t + window, so each window is stretched by this fraction.
DEFAULT_LIMITER_MARGIN = 0.1
# Permits sent back to back before pacing starts: a cold card's 4-6 requests, so an idle bot
# adds no delay. No more at any rate: a larger crowd is what a busy CPU pushes into the
# server's next second.
DEFAULT_LIMITER_BURST = 6


def pace_parameters(rate: float, margin: float, burst: int | None) -> tuple[int, float, float, int]:
    """(capacity, window, interval, burst) for `rate` permits a second, stretched by `margin`."""
    if not math.isfinite(rate) or rate <= 0 or margin < 0:
        raise ValueError("rate must be a positive number and margin >= 0")
    if rate >= 1:
        capacity, base_window = math.floor(rate), 1.0
    else:
        capacity, base_window = 1, 1.0 / rate
    window = base_window * (1.0 + margin)
    return (
        capacity,
        window,
        window / capacity,
        min(capacity, burst if burst is not None else DEFAULT_LIMITER_BURST),
    )


class _PaceRules:
    """The limiter's two rules over one series of send times, handed out in order."""

    def __init__(self, capacity: int, window: float, interval: float, burst: int) -> None:
        self._window = window
        self._interval = interval
        # + 1 µs: float rounding must not make the last permit of a burst wait a few ns.
        self._tolerance = (max(1, burst) - 1) * interval + 1e-6
        self._times: deque[float] = deque(maxlen=capacity)
        self._theoretical = float("-inf")  # GCRA's theoretical arrival time

    def earliest(self, now: float) -> float:
        """The first time from `now` on at which one more send keeps both rules."""
        slot = max(now, self._theoretical - self._tolerance)
        if len(self._times) == self._times.maxlen:
            slot = max(slot, self._times[0] + self._window)
        return slot

    def take(self, at: float) -> None:
        """Count one send at `at` (never earlier than the previous one)."""
        self._times.append(at)
        self._theoretical = max(self._theoretical, at) + self._interval


class PacedLimiter:
    """Request permits: at most `rate` in ANY window of `1 + margin` seconds, so at most
    `rate` per rolling second as the server counts them, with room for send delays.

    Two rules: a sliding-window log of sends (the hard bound; a classic bucket with burst R
    refilling at R/s admits 2R within one second), and GCRA pacing at one send every
    (1 + margin)/rate seconds after `burst` back to back (enough for a cold card). A burst of R
    per window would release R at once whenever the limiter is saturated; sends delayed by a
    busy CPU then meet the next crowd at the server, which counts more than R in a second.

    The rules are applied twice. First to plan: each caller takes the earliest slot (FIFO) and
    sleeps until it, or gets False at once, taking nothing, when that is after its deadline.
    Then to the times callers really wake: under CPU contention many wake late together, and
    they leave one at a time, paced from when they actually go, not all at once.
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
        self.capacity, self.window, self.interval, self.burst = pace_parameters(rate, margin, burst)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._plan = _PaceRules(self.capacity, self.window, self.interval, self.burst)
        # Held by the caller about to go (while it paces itself): late wakers leave one by one.
        self._leaving = threading.Lock()
        self._sent = _PaceRules(self.capacity, self.window, self.interval, self.burst)

    def acquire(self, deadline: float) -> bool:
        """Wait for one permit until the monotonic `deadline`; False if none came in time."""
        with self._lock:
            slot = self._plan.earliest(self._clock())
            if slot > deadline:
                return False
            self._plan.take(slot)
        delay = slot - self._clock()
        if delay > 0:
            self._sleep(delay)
        return self._leave(deadline)

    def _leave(self, deadline: float) -> bool:
        wait = min(max(0.0, deadline - self._clock()), threading.TIMEOUT_MAX)
        if not self._leaving.acquire(timeout=wait):
            return False
        try:
            now = self._clock()
            slot = self._sent.earliest(now)
            if slot > now:
                if slot > deadline:
                    return False
                self._sleep(slot - now)
                now = max(slot, self._clock())
            self._sent.take(now)
            return True
        finally:
            self._leaving.release()
