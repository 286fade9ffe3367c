"""Single-flight across processes: one holder of a Redis lease runs the lookup, others wait."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import TypeVar, cast

from bot.segment.errors import ProfileApiError
from bot.segment.models import Profile
from bot.state.cipher import ValueCipher
from bot.state.codec import (
    CodecError,
    decode_entry,
    decode_error,
    encode_entry,
    encode_error,
)
from bot.state.interfaces import NotFoundEntry, SingleFlight
from bot.state.shared.link import Clock, RedisLink, RedisUnavailable
from bot.state.shared.sealed import SealedValues

T = TypeVar("T")

DEFAULT_LEASE_SECONDS = 2.0
# How long a finished flight's outcome stays for its waiters (they poll every 50 ms at most).
RESULT_TTL_MS = 10_000
_VALUE, _ERROR = b"V", b"X"

_ACQUIRE = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    return {1, ARGV[1]}
end
return {0, redis.call('GET', KEYS[1])}
"""
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
# Publish the outcome (if any) and drop the lease in one step, so a waiter that sees the lease
# gone also sees the outcome.
_FINISH = """
if ARGV[2] ~= '' then
    redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
end
if redis.call('GET', KEYS[1]) == ARGV[1] then
    redis.call('DEL', KEYS[1])
end
return 1
"""


def _text(raw: object) -> str:
    return raw.decode() if isinstance(raw, bytes) else str(raw)


class _Outcome:
    def __init__(self, value: object = None, error: ProfileApiError | None = None) -> None:
        self.value = value
        self.error = error


class RedisSingleFlight:
    """One execution of `fn` per key across every process sharing Redis.

    Threads of one process first meet in `local` (a memory single-flight); its leader then
    takes the Redis lease `SET NX PX` and runs `fn`, renewing the lease while `fn` runs. Other
    processes poll for the outcome: the returned Profile / NotFoundEntry, or the
    ProfileApiError raised (any other outcome cannot be shared: they then take the lease and
    run `fn` themselves). When the holder dies its lease expires within `lease` seconds and a
    waiter takes over. With Redis unreachable only `local` applies. A waiter whose deadline
    passes raises TimeoutError, like the memory implementation.
    """

    def __init__(
        self,
        link: RedisLink,
        cipher: ValueCipher,
        local: SingleFlight,
        *,
        lease: float = DEFAULT_LEASE_SECONDS,
        clock: Clock = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._link = link
        self._values = SealedValues(link, cipher, "shared lookup result")
        self._local = local
        self._lease_ms = max(1, round(lease * 1000))
        self._clock = clock
        self._sleep = sleep
        self._acquire = link.client.register_script(_ACQUIRE)
        self._finish_script = link.client.register_script(_FINISH)
        self._leases = _LeaseKeeper(link, self._lease_ms, clock)

    def do(self, key: str, fn: Callable[[], T], deadline: float) -> T:
        """Run `fn` once for all concurrent callers of `key`, waiting at most until `deadline`."""
        return self._local.do(key, lambda: self._across_processes(key, fn, deadline), deadline)

    def _across_processes(self, key: str, fn: Callable[[], T], deadline: float) -> T:
        lease_key = self._link.key("flight", key)
        while True:
            if self._clock() >= deadline:
                raise TimeoutError("deadline passed while waiting for a shared lookup")
            token = os.urandom(12).hex()
            try:
                taken, holder = self._link.run(
                    partial(self._acquire, keys=[lease_key], args=[token, self._lease_ms])
                )
            except RedisUnavailable:
                return fn()
            if int(taken) == 1:
                return self._lead(key, lease_key, token, fn, deadline)
            if holder is None:
                continue  # the lease ended just now: try again
            holder_token = _text(holder)
            try:
                outcome = self._wait(
                    self._result_key(key, holder_token), lease_key, holder_token, deadline
                )
            except RedisUnavailable:
                return fn()
            if outcome is None:
                continue  # the holder ended with nothing to share, or died: take over
            if outcome.error is not None:
                raise outcome.error
            # Every process runs the same code for a key, so the value is the holder's T.
            return cast(T, outcome.value)

    def _result_key(self, key: str, token: str) -> str:
        return self._link.key("flight-result", f"{key}\x00{token}")

    def _lead(
        self, key: str, lease_key: str, token: str, fn: Callable[[], T], deadline: float
    ) -> T:
        self._leases.hold(lease_key, token, deadline)
        try:
            value = fn()
        except ProfileApiError as error:
            self._leases.release(lease_key)
            self._finish(key, lease_key, token, _ERROR + encode_error(error))
            raise
        except BaseException:
            self._leases.release(lease_key)
            self._finish(key, lease_key, token, None)
            raise
        self._leases.release(lease_key)
        outcome = None
        if isinstance(value, (Profile, NotFoundEntry)):
            outcome = _VALUE + encode_entry(value)
        self._finish(key, lease_key, token, outcome)
        return value

    def _finish(self, key: str, lease_key: str, token: str, outcome: bytes | None) -> None:
        result_key = self._result_key(key, token)
        sealed = b"" if outcome is None else self._values.seal(result_key, outcome)
        with contextlib.suppress(RedisUnavailable):  # the lease then simply expires
            self._link.run(
                lambda: self._finish_script(
                    keys=[lease_key, result_key], args=[token, sealed, RESULT_TTL_MS]
                )
            )

    def _wait(
        self, result_key: str, lease_key: str, holder: str, deadline: float
    ) -> _Outcome | None:
        client = self._link.client
        pause = 0.005
        while True:
            # One MGET, and the holder publishes and unlocks in one step: a lease that is gone
            # with no outcome beside it means there is nothing to share (or the holder died).
            lease, stored = self._link.run(lambda: client.mget([lease_key, result_key]))
            if stored is not None:
                outcome: _Outcome | None = self._values.open(result_key, stored, _decode_outcome)
                if outcome is not None:
                    return outcome
                # Refused (and logged): while the holder still runs, its own outcome will
                # replace the planted one; once it is gone, take over.
            if lease is None or _text(lease) != holder:
                return None
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise TimeoutError("deadline passed while waiting for a shared lookup")
            self._sleep(min(pause, remaining))
            pause = min(pause * 2, 0.05)


def _decode_outcome(plain: bytes) -> _Outcome:
    """A holder's published outcome (CodecError when it is not one)."""
    if plain.startswith(_ERROR):
        return _Outcome(error=decode_error(plain[1:]))
    if plain.startswith(_VALUE):
        return _Outcome(value=decode_entry(plain[1:]))
    raise CodecError("stored value is not a lookup outcome")


class _LeaseKeeper:
    """Renews the leases this process holds (one background thread, only while it holds any)."""

    def __init__(self, link: RedisLink, lease_ms: int, clock: Clock) -> None:
        self._link = link
        self._lease_ms = lease_ms
        self._clock = clock
        self._renew = link.client.register_script(_RENEW)
        self._lock = threading.Lock()
        self._held: dict[str, tuple[str, float]] = {}
        self._thread: threading.Thread | None = None

    def hold(self, lease_key: str, token: str, deadline: float) -> None:
        with self._lock:
            self._held[lease_key] = (token, deadline)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="redis-flight-leases", daemon=True
                )
                self._thread.start()

    def release(self, lease_key: str) -> None:
        with self._lock:
            self._held.pop(lease_key, None)

    def _run(self) -> None:
        while True:
            time.sleep(self._lease_ms / 3000)
            with self._lock:
                if not self._held:
                    self._thread = None
                    return
                held = list(self._held.items())
            now = self._clock()
            for lease_key, (token, deadline) in held:
                if now > deadline:
                    continue  # a holder past its deadline gets no more time from us
                with contextlib.suppress(RedisUnavailable):
                    self._link.run(
                        partial(self._renew, keys=[lease_key], args=[token, self._lease_ms])
                    )
