"""One process's link to Redis: key names, and the switch to memory while Redis is down."""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import redis
from redis.backoff import NoBackoff
from redis.maint_notifications import MaintNotificationsConfig
from redis.retry import Retry

from bot.state.unshared import LOST_WITHOUT_SHARED_STATE

T = TypeVar("T")
Clock = Callable[[], float]

log = logging.getLogger("bot.redis")

KEY_PREFIX = "profile-bot:"
DEFAULT_SOCKET_TIMEOUT = 0.3
DEFAULT_REPROBE_SECONDS = 3.0


class RedisUnavailable(Exception):
    """Redis is down, or was recently: use this process's memory implementation instead."""


def connect(url: str, *, socket_timeout: float = DEFAULT_SOCKET_TIMEOUT) -> redis.Redis:
    """A client with short timeouts, so that a dead Redis costs a lookup little time."""
    # One immediate retry: a pooled connection that died with a Redis restart fails once, then
    # reconnects. More retries would only make a real outage slower to notice.
    return redis.Redis.from_url(
        url,
        socket_timeout=socket_timeout,
        socket_connect_timeout=socket_timeout,
        retry=Retry(NoBackoff(), 1),
        health_check_interval=0,
        # redis-py 8 otherwise asks every new connection for Redis Enterprise's maintenance
        # notifications: one more round trip, refused by open-source Redis anyway.
        maint_notifications_config=MaintNotificationsConfig(enabled=False),
    )


def describe_error(exc: BaseException) -> str:
    """A loggable description of a Redis failure (never a value, a key or the URL's password)."""
    if isinstance(exc, (redis.ConnectionError, redis.TimeoutError)):
        # Socket-level messages name host:port and the OS error only.
        return f"{type(exc).__name__}: {str(exc)[:200]}"
    return type(exc).__name__


class RedisLink:
    """Runs Redis operations; after a failure, says "unavailable" until a re-probe is due.

    Every operation is a probe: the first failure starts an outage (one warning), callers then
    use memory without touching Redis, and one caller every `reprobe_seconds` tries Redis again;
    its success ends the outage (one more warning, so operators see both ends).
    """

    def __init__(
        self,
        client: redis.Redis,
        *,
        hash_key: str,
        namespace: str = "",
        reprobe_seconds: float = DEFAULT_REPROBE_SECONDS,
        clock: Clock = time.monotonic,
    ) -> None:
        self.client = client
        self.reprobe_seconds = reprobe_seconds
        self.outages = 0
        self._hash_key = hash_key.encode()
        self._namespace = namespace
        self._clock = clock
        self._lock = threading.Lock()
        self._up = True
        self._next_probe = 0.0

    @property
    def up(self) -> bool:
        """False during an outage."""
        return self._up

    def key(self, kind: str, raw: str) -> str:
        """`profile-bot:<kind>:<HMAC of raw>`: no identifier, group or reference in clear."""
        message = f"{self._namespace}\x00{kind}\x00{raw}".encode()
        digest = hmac.new(self._hash_key, message, hashlib.sha256).hexdigest()[:40]
        return f"{KEY_PREFIX}{kind}:{digest}"

    def kind_pattern(self, kind: str) -> str:
        """A SCAN pattern matching every key `key(kind, …)` makes."""
        return f"{KEY_PREFIX}{kind}:*"

    def run(self, op: Callable[[], T]) -> T:
        """`op()` (which talks to `client`), or RedisUnavailable during an outage or on failure."""
        if not self._may_try():
            raise RedisUnavailable
        try:
            result = op()
        except redis.RedisError as exc:
            self._failed(exc)
            raise RedisUnavailable from exc
        self._succeeded()
        return result

    def _may_try(self) -> bool:
        return True if self._up else self._probe_due()

    def _probe_due(self) -> bool:
        with self._lock:
            if self._up:
                return True
            now = self._clock()
            if now < self._next_probe:
                return False
            self._next_probe = now + self.reprobe_seconds
            return True

    def _failed(self, exc: redis.RedisError) -> None:
        with self._lock:
            self._next_probe = self._clock() + self.reprobe_seconds
            if not self._up:
                return
            self._up = False
            self.outages += 1
        log.warning(
            "Redis is unreachable (%s): this process now keeps its state in its own memory and "
            "retries Redis every %g s. Until Redis answers, several processes lose %s",
            describe_error(exc),
            self.reprobe_seconds,
            LOST_WITHOUT_SHARED_STATE,
        )

    def _succeeded(self) -> None:
        if not self._up:
            self._recovered()

    def _recovered(self) -> None:
        with self._lock:
            if self._up:
                return
            self._up = True
        log.warning("Redis is reachable again: shared state is back in use")
