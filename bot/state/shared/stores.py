"""Profile, context, membership and duplicate stores in Redis, each falling back to memory."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from functools import partial
from typing import Any

from bot.state.cipher import ValueCipher
from bot.state.codec import (
    CodecError,
    decode_context,
    decode_entry,
    encode_context,
    encode_entry,
)
from bot.state.interfaces import (
    CacheEntry,
    ContextStore,
    DuplicateGuard,
    MembershipStore,
    ProfileStore,
)
from bot.state.shared.link import Clock, RedisLink, RedisUnavailable
from bot.state.shared.sealed import SealedValues, ttl_ms


class _MemoryWindow:
    """Remembers until when the memory fallback may hold entries written during an outage.

    After Redis comes back, reads that miss in Redis also look in memory until then, so that
    e.g. a card made during the outage keeps working; outside that window memory is skipped.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._until = 0.0
        self._lock = threading.Lock()

    def wrote(self, ttl: float) -> None:
        with self._lock:
            self._until = max(self._until, self._clock() + ttl)

    def may_hold(self) -> bool:
        return self._clock() < self._until


class RedisProfileStore:
    """Finished lookups in Redis (sealed, with a TTL); this process's memory while Redis is down."""

    def __init__(
        self,
        link: RedisLink,
        cipher: ValueCipher,
        fallback: ProfileStore,
        *,
        clock: Clock = time.monotonic,
    ) -> None:
        self._link = link
        self._values = SealedValues(link, cipher, "profile")
        self._fallback = fallback
        self._window = _MemoryWindow(clock)

    def get(self, key: str) -> CacheEntry | None:
        """The live entry for `key`, or None."""
        try:
            entry: CacheEntry | None = self._values.read(
                self._link.key("profile", key), decode_entry
            )
        except RedisUnavailable:
            return self._fallback.get(key)
        if entry is None and self._window.may_hold():
            return self._fallback.get(key)
        return entry

    def put(self, key: str, entry: CacheEntry, ttl: float) -> None:
        """Remember `entry` for `ttl` seconds (ttl <= 0 forgets the key)."""
        try:
            self._values.write(self._link.key("profile", key), encode_entry(entry), ttl)
        except RedisUnavailable:
            self._fallback.put(key, entry, ttl)
            self._window.wrote(ttl)


class RedisContextStore:
    """Card contexts in Redis (sealed: they hold the identifier), so any process can use them."""

    def __init__(
        self,
        link: RedisLink,
        cipher: ValueCipher,
        fallback: ContextStore,
        *,
        clock: Clock = time.monotonic,
    ) -> None:
        self._link = link
        self._values = SealedValues(link, cipher, "card context")
        self._fallback = fallback
        self._window = _MemoryWindow(clock)

    def put(self, key: str, data: dict[str, Any], ttl: float) -> None:
        """Keep `data` (JSON values only) under `key` for `ttl` seconds."""
        plain = encode_context(data)  # a TypeError here is a caller's bug, Redis or not
        try:
            self._values.write(self._link.key("context", key), plain, ttl)
        except RedisUnavailable:
            self._fallback.put(key, data, ttl)
            self._window.wrote(ttl)

    def get(self, key: str) -> dict[str, Any] | None:
        """The data kept under `key`, or None when unknown or expired."""
        try:
            data: dict[str, Any] | None = self._values.read(
                self._link.key("context", key), decode_context
            )
        except RedisUnavailable:
            return self._fallback.get(key)
        if data is None and self._window.may_hold():
            return self._fallback.get(key)
        return data


def _decode_members(plain: bytes) -> frozenset[str]:
    try:
        members = json.loads(plain)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CodecError("stored members are not JSON") from exc
    if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
        raise CodecError("stored members are not a list of user ids")
    return frozenset(members)


class RedisMembershipStore:
    """User-group members in Redis with a TTL; invalidations made during an outage are replayed."""

    def __init__(
        self,
        link: RedisLink,
        cipher: ValueCipher,
        fallback: MembershipStore,
        *,
        clock: Clock = time.monotonic,
    ) -> None:
        self._link = link
        self._values = SealedValues(link, cipher, "membership")
        self._fallback = fallback
        self._window = _MemoryWindow(clock)
        self._lock = threading.Lock()
        # Groups invalidated while Redis was down ("" = all): Redis may still hold old members.
        self._pending: set[str] = set()

    def get(self, group_id: str) -> frozenset[str] | None:
        """The cached members of `group_id`, or None when unknown or expired."""
        try:
            self._replay_invalidations()
            members: frozenset[str] | None = self._values.read(
                self._link.key("members", group_id), _decode_members
            )
        except RedisUnavailable:
            return self._fallback.get(group_id)
        if members is None and self._window.may_hold():
            return self._fallback.get(group_id)
        return members

    def put(self, group_id: str, members: frozenset[str], ttl: float) -> None:
        """Cache the members of `group_id` for `ttl` seconds."""
        plain = json.dumps(sorted(members)).encode()
        try:
            self._replay_invalidations()
            self._values.write(self._link.key("members", group_id), plain, ttl)
        except RedisUnavailable:
            self._fallback.put(group_id, members, ttl)
            self._window.wrote(ttl)

    def invalidate(self, group_id: str | None = None) -> None:
        """Forget one group's members, or all of them (in Redis and in memory)."""
        self._fallback.invalidate(group_id)
        with self._lock:
            self._pending.add(group_id or "")
        # During an outage this is replayed by the first call that reaches Redis again.
        with contextlib.suppress(RedisUnavailable):
            self._replay_invalidations()

    def _replay_invalidations(self) -> None:
        if not self._pending:
            return
        with self._lock:
            pending = sorted(self._pending)
        for group in pending:
            self._link.run(partial(self._delete, group))
            with self._lock:
                self._pending.discard(group)

    def _delete(self, group_id: str) -> None:
        client = self._link.client
        if group_id:
            client.delete(self._link.key("members", group_id))
            return
        keys = list(client.scan_iter(match=self._link.kind_pattern("members"), count=500))
        if keys:
            client.delete(*keys)


class RedisDuplicateGuard:
    """Delivery keys in Redis (SET NX with a TTL), so a retry reaching another process is caught.

    The stored value is never read back, so there is nothing to authenticate: a key planted in
    Redis can only make the bot drop one delivery, which writing to Redis allows anyway (DEL).
    """

    def __init__(
        self, link: RedisLink, fallback: DuplicateGuard, *, clock: Clock = time.monotonic
    ) -> None:
        self._link = link
        self._fallback = fallback
        self._window = _MemoryWindow(clock)

    def first_time(self, key: str, ttl: float) -> bool:
        """True the first time `key` is seen within `ttl` seconds, False after."""
        redis_key = self._link.key("delivery", key)
        try:
            first = bool(
                self._link.run(
                    lambda: self._link.client.set(redis_key, b"1", nx=True, px=ttl_ms(ttl))
                )
            )
        except RedisUnavailable:
            self._window.wrote(ttl)
            return self._fallback.first_time(key, ttl)
        if first and self._window.may_hold():
            return self._fallback.first_time(key, ttl)
        return first
