"""Recent lookups in Redis over a real server: shared between processes, sealed (no email or
user id readable in Redis), expiring with their TTL, cleared everywhere, memory during an
outage."""

from __future__ import annotations

import time

import pytest
import redis

from bot.identifiers import Identifier
from bot.slack.history import RecentLookups
from tests.state.shared.helpers import FERNET_KEY, all_keys, settings_for, state_for

pytestmark = pytest.mark.redis

USER = "U0MEMBER1"
JANE = Identifier("email", "jane@example.com")
TOM = Identifier("email", "tom.becker@example.org")


def _history(url: str, *, ttl: float = 60.0, key: str | None = None) -> RecentLookups:
    return RecentLookups(state_for(settings_for(url, key=key)).history, enabled=True, ttl=ttl)


def test_history_is_shared_newest_first_and_sealed(redis_url: str) -> None:
    one = _history(redis_url, key=FERNET_KEY)
    other = _history(redis_url, key=FERNET_KEY)  # another process, same Redis and key
    one.record(USER, JANE, "Jane Doe")
    other.record(USER, TOM, "Tom Becker")
    one.record(USER, JANE, "Jane Doe")  # looked up again: moves to the top, once
    assert [e.identifier for e in other.entries(USER)] == [JANE, TOM]
    client = redis.Redis.from_url(redis_url)
    try:
        raw = b"".join(client.get(k) or b"" for k in client.scan_iter())
        names = b"".join(client.scan_iter())
    finally:
        client.close()
    assert b"jane@example.com" not in raw and b"Jane Doe" not in raw
    assert USER.encode() not in names  # the key is a keyed hash of the user id


def test_history_expires_with_its_ttl(redis_url: str) -> None:
    history = _history(redis_url, ttl=0.3)
    history.record(USER, JANE, "Jane Doe")
    assert history.entries(USER)
    assert all(0 < ttl <= 300 for ttl in all_keys(redis_url).values())
    time.sleep(0.45)
    assert history.entries(USER) == []
    assert all_keys(redis_url) == {}


def test_clearing_removes_it_from_redis(redis_url: str) -> None:
    history = _history(redis_url)
    history.record(USER, JANE, "Jane Doe")
    assert history.clear(USER) is True
    assert _history(redis_url).entries(USER) == []
    assert all_keys(redis_url) == {}


def test_during_an_outage_history_lives_in_memory_and_clear_says_it_was_partial() -> None:
    settings = settings_for("redis://127.0.0.1:1/0")  # nothing listens there
    state = state_for(settings)
    history = RecentLookups(state.history, enabled=True, ttl=60)
    history.record(USER, JANE, "Jane Doe")
    assert [e.identifier for e in history.entries(USER)] == [JANE]
    assert history.clear(USER) is False
    assert history.entries(USER) == []


def test_keep_only_the_last_ten(redis_url: str) -> None:
    history = _history(redis_url)
    for n in range(12):
        history.record(USER, Identifier("user_id", f"u{n}"), "")
    entries = history.entries(USER)
    assert [e.identifier.value for e in entries] == [f"u{n}" for n in range(11, 1, -1)]
