"""Each person's recent lookups in Redis, sealed (authenticated and bound to their key) like
every other value, with a TTL."""

from __future__ import annotations

import time
from typing import Any

from bot.state.cipher import ValueCipher
from bot.state.codec import decode_history, encode_history
from bot.state.interfaces import HistoryStore
from bot.state.shared.link import Clock, RedisLink, RedisUnavailable
from bot.state.shared.sealed import SealedValues
from bot.state.shared.stores import _MemoryWindow


class RedisHistoryStore:
    """Recent lookups per person in Redis (key: a keyed hash of the user id; value: sealed).

    A read-modify-write by the caller: two lookups by the same person finishing in the same
    instant on two processes can lose one entry, which costs a line of history, nothing more.
    """

    def __init__(
        self,
        link: RedisLink,
        cipher: ValueCipher,
        fallback: HistoryStore,
        *,
        clock: Clock = time.monotonic,
    ) -> None:
        self._link = link
        self._values = SealedValues(link, cipher, "lookup history")
        self._fallback = fallback
        self._window = _MemoryWindow(clock)

    def get(self, user_id: str) -> list[dict[str, Any]]:
        """The entries kept for `user_id` ([] when none, expired or unreadable)."""
        try:
            entries: list[dict[str, Any]] | None = self._values.read(
                self._link.key("history", user_id), decode_history
            )
        except RedisUnavailable:
            return self._fallback.get(user_id)
        if entries is None and self._window.may_hold():
            return self._fallback.get(user_id)
        return entries or []

    def put(self, user_id: str, entries: list[dict[str, Any]], ttl: float) -> None:
        """Keep `entries` for `ttl` seconds (an empty list forgets the person)."""
        plain = encode_history(entries)
        try:
            self._values.write(self._link.key("history", user_id), plain, ttl if entries else 0)
        except RedisUnavailable:
            self._fallback.put(user_id, entries, ttl)
            self._window.wrote(ttl)

    def delete(self, user_id: str) -> bool:
        """Forget the person's history here and in Redis; False when Redis could not be
        reached (its copy then stays until its TTL, and the caller says so)."""
        self._fallback.delete(user_id)
        key = self._link.key("history", user_id)
        try:
            self._link.run(lambda: self._link.client.delete(key))
        except RedisUnavailable:
            return False
        return True
