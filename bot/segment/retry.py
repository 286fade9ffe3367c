"""Retry timing: a defensive `Retry-After` parser and exponential backoff with full jitter."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime

# Longer waits than this are not a real instruction (a typo or an attack): ignore them.
MAX_RETRY_AFTER_SECONDS = 86_400.0
DEFAULT_BACKOFF_BASE = 0.2
DEFAULT_BACKOFF_CAP = 1.5

# Plain non-negative decimal seconds only: no sign, exponent, "inf" or "nan".
_SECONDS = re.compile(r"[0-9]{1,40}(?:\.[0-9]{1,9})?")
_DAY_NAMES = frozenset({"mon", "tue", "wed", "thu", "fri", "sat", "sun"})
_DAY_PREFIX = re.compile(r"([A-Za-z]+),")


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds a `Retry-After` header asks us to wait, or None when absent or unusable.

    Accepts delta-seconds (decimals allowed) and HTTP-dates; `now` is wall-clock epoch
    seconds for dates (default `time.time()`). A date in the past means 0. Never raises.
    """
    if value is None:
        return None
    text = value.strip()
    if not text or len(text) > 64:
        return None
    if _SECONDS.fullmatch(text):
        seconds = float(text)
        return seconds if seconds <= MAX_RETRY_AFTER_SECONDS else None
    return _parse_http_date(text, time.time() if now is None else now)


def _parse_http_date(text: str, now: float) -> float | None:
    day = _DAY_PREFIX.match(text)
    # email.utils ignores the weekday; a misspelt one ("Zun, ...") means a broken header.
    if day is not None and day.group(1).lower() not in _DAY_NAMES:
        return None
    try:
        when = parsedate_to_datetime(text)
        delay = when.timestamp() - now
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None or delay != delay:  # naive dates are not HTTP-dates; NaN guard
        return None
    if delay > MAX_RETRY_AFTER_SECONDS:
        return None
    return max(delay, 0.0)


def backoff_delay(
    attempt: int,
    rng: Callable[[], float],
    *,
    base: float = DEFAULT_BACKOFF_BASE,
    cap: float = DEFAULT_BACKOFF_CAP,
) -> float:
    """Full-jitter backoff before retry number `attempt` (0-based): uniform in [0, ceiling)."""
    ceiling = min(cap, base * (2.0 ** min(attempt, 30)))
    fraction = min(max(float(rng()), 0.0), 1.0)
    return fraction * ceiling
