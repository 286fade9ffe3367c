"""A rolling one-second request window per key, as Segment limits each space."""

from __future__ import annotations

import threading
from collections import deque


class RollingWindowLimiter:
    """Admits at most `per_second` requests per key in any rolling 1-second window."""

    def __init__(self, per_second: float | None) -> None:
        self.per_second = per_second
        self._lock = threading.Lock()
        self._admitted: dict[str, deque[float]] = {}

    def admit(self, key: str, now: float) -> bool:
        """Record and admit one request at monotonic time `now`, or refuse it (not recorded)."""
        if self.per_second is None:
            return True
        with self._lock:
            window = self._admitted.setdefault(key, deque())
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) >= self.per_second:
                return False
            window.append(now)
            return True

    def reset(self) -> None:
        """Forget every admitted request."""
        with self._lock:
            self._admitted.clear()
