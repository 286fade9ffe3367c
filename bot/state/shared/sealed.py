"""Reading and writing sealed values in Redis: a value that fails its check is a logged miss."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from bot.state.cipher import SealError, ValueCipher
from bot.state.codec import CodecError
from bot.state.shared.link import Clock, RedisLink

log = logging.getLogger("bot.redis")

# A tampered-with Redis could produce a refusal per read; one warning per this many seconds per
# kind of value (with a count of the others) keeps the signal without flooding the log.
REPORT_INTERVAL_SECONDS = 60.0


def ttl_ms(ttl: float) -> int:
    """A TTL in whole milliseconds, never 0 (Redis refuses PX 0)."""
    return max(1, round(ttl * 1000))


class RefusedValues:
    """Logs values read from Redis that were refused: what kind and why, never the value."""

    def __init__(self, what: str, *, clock: Clock = time.monotonic) -> None:
        self._what = what
        self._clock = clock
        self._lock = threading.Lock()
        self._next_report = 0.0
        self._unreported = 0

    def refused(self, reason: str) -> None:
        """Count one refused value; warn now unless a warning went out less than a minute ago."""
        with self._lock:
            self._unreported += 1
            now = self._clock()
            if now < self._next_report:
                return
            count, self._unreported = self._unreported, 0
            self._next_report = now + REPORT_INTERVAL_SECONDS
        log.warning(
            "A %s read from Redis was refused and treated as a miss: %s (%d refused since the "
            "last report). Values that fail are tampered with, or were written by a process with "
            "another AUDIT_HASH_KEY / PROFILE_CACHE_ENCRYPTION_KEY or version",
            self._what,
            reason,
            count,
        )


class SealedValues:
    """Reads and writes one kind of sealed value; a value that fails counts as a miss."""

    def __init__(self, link: RedisLink, cipher: ValueCipher, what: str) -> None:
        self._link = link
        self._cipher = cipher
        self.refusals = RefusedValues(what)

    def read(self, key: str, decode: Callable[[bytes], Any]) -> Any:
        """The decoded value under `key`, or None when absent or refused (RedisUnavailable
        propagates)."""
        stored = self._link.run(lambda: self._link.client.get(key))
        if stored is None:
            return None
        return self.open(key, stored, decode)

    def open(self, key: str, stored: bytes | str, decode: Callable[[bytes], Any]) -> Any:
        """`decode` of the value read from `key`, or None (logged) when it fails its check."""
        raw = stored if isinstance(stored, bytes) else stored.encode()
        try:
            return decode(self._cipher.unseal(raw, key=key))
        except SealError as exc:
            self.refusals.refused(str(exc))
        except CodecError as exc:
            # Authentic but unreadable: written by another version of the bot.
            self.refusals.refused(f"authentic but not readable ({exc})")
        return None

    def seal(self, key: str, plain: bytes) -> bytes:
        """The bytes to store under `key`."""
        return self._cipher.seal(plain, key=key)

    def write(self, key: str, plain: bytes, ttl: float) -> None:
        """Store `plain` under `key` for `ttl` seconds (ttl <= 0 deletes the key)."""
        sealed = self.seal(key, plain)
        if ttl > 0:
            self._link.run(lambda: self._link.client.set(key, sealed, px=ttl_ms(ttl)))
        else:
            self._link.run(lambda: self._link.client.delete(key))
