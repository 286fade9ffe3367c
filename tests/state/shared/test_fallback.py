"""Redis stopped mid-run: memory with one warning; Redis back: used again, same objects."""

from __future__ import annotations

import logging
import time

import pytest

from bot.identifiers import Identifier
from bot.sandbox.redis_server import RedisServer
from bot.segment.models import Profile
from tests.state.shared.helpers import FERNET_KEY, all_keys, settings_for, state_for

pytestmark = pytest.mark.redis

REPROBE = 0.3


def profile(n: float) -> Profile:
    return Profile(Identifier("user_id", f"u{n}"), fetched_at=n, traits={"n": n})


def redis_warnings(caplog: pytest.LogCaptureFixture, text: str) -> int:
    return sum(
        1
        for r in caplog.records
        if r.name == "bot.redis" and r.levelno == logging.WARNING and text in r.getMessage()
    )


def test_outage_falls_back_to_memory_then_redis_is_used_again(
    own_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.redis")
    state = state_for(settings_for(own_redis.url, key=FERNET_KEY), reprobe=REPROBE)
    state.profile_cache.put("k1", profile(1), 60)
    assert state.budget.acquire(time.monotonic() + 1.0)  # its Lua script is loaded now
    assert len(all_keys(own_redis.url)) == 3  # the profile, the budget's log and its pace

    own_redis.stop()
    started = time.monotonic()
    # Every Protocol keeps working, on this process's memory.
    assert state.profile_cache.get("k1") is None  # it lived in Redis only
    state.profile_cache.put("k2", profile(2), 60)
    assert state.profile_cache.get("k2") == profile(2)
    state.contexts.put("ref-outage", {"identifier": "user_id:u2"}, 60)
    assert state.contexts.get("ref-outage") == {"identifier": "user_id:u2"}
    assert state.duplicates.first_time("Ev1", 60) is True
    assert state.duplicates.first_time("Ev1", 60) is False
    state.memberships.put("S1", frozenset({"U1"}), 60)
    assert state.memberships.get("S1") == frozenset({"U1"})
    assert state.budget.acquire(time.monotonic() + 1.0)
    assert state.flight.do("k3", lambda: profile(3), time.monotonic() + 1.0) == profile(3)
    for _ in range(200):
        state.profile_cache.get("k2")
    # Only re-probes touch the dead server: no per-call timeouts.
    assert time.monotonic() - started < 1.0
    assert redis_warnings(caplog, "Redis is unreachable") == 1

    own_redis.start()  # same port; the objects above are kept
    time.sleep(REPROBE + 0.05)
    state.profile_cache.put("k4", profile(4), 60)  # the probe: back on Redis
    assert redis_warnings(caplog, "reachable again") == 1
    state.profile_cache.put("k5", profile(5), 60)
    # The restarted server has forgotten the scripts: they are loaded again.
    assert state.budget.acquire(time.monotonic() + 1.0)
    assert state.flight.do("k6", lambda: profile(6), time.monotonic() + 1.0) == profile(6)
    kinds = sorted(key.split(b":")[1] for key in all_keys(own_redis.url))
    assert kinds == [b"budget", b"budget-pace", b"flight-result", b"profile", b"profile"]
    other_process = state_for(settings_for(own_redis.url, key=FERNET_KEY))
    assert other_process.profile_cache.get("k5") == profile(5)
    # What was written to memory during the outage is still found after it.
    assert state.contexts.get("ref-outage") == {"identifier": "user_id:u2"}
    assert state.profile_cache.get("k2") == profile(2)
    assert state.duplicates.first_time("Ev1", 60) is False
    assert redis_warnings(caplog, "Redis is unreachable") == 1


def test_a_hung_server_is_an_outage_too_and_invalidations_are_replayed(
    own_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    # A frozen server keeps its data (unlike a restart of this persistence-less one), so this
    # shows what Redis still holds after the outage.
    caplog.set_level(logging.WARNING, logger="bot.redis")
    state = state_for(settings_for(own_redis.url), reprobe=REPROBE)
    other_process = state_for(settings_for(own_redis.url), reprobe=REPROBE)
    for outage in (1, 2):
        state.memberships.put("S1", frozenset({"U1"}), 60)
        state.memberships.put("S2", frozenset({"U2"}), 60)
        assert other_process.memberships.get("S1") == frozenset({"U1"})
        own_redis.pause()
        try:
            started = time.monotonic()
            assert state.memberships.get("S2") is None  # timed out; not in this process's memory
            assert time.monotonic() - started < 1.5  # one socket timeout (and its retry)
            # Slack says the group changed while Redis hangs: this process forgets it at once...
            state.memberships.invalidate("S1")
            assert state.memberships.get("S1") is None
        finally:
            own_redis.resume()
        # ...Redis still holds the old members until this process reaches it again...
        keys = all_keys(own_redis.url)
        assert len(keys) == 2
        time.sleep(REPROBE + 0.05)
        # ...and replays the invalidation first.
        assert state.memberships.get("S2") == frozenset({"U2"})
        assert other_process.memberships.get("S1") is None
        assert len(all_keys(own_redis.url)) == 1
        assert redis_warnings(caplog, "Redis is unreachable") == outage
        assert redis_warnings(caplog, "reachable again") == outage


def test_redis_unreachable_from_the_start(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="bot.redis")
    server = RedisServer()  # not started: nobody listens on its port
    state = state_for(settings_for(server.url), reprobe=REPROBE)
    assert redis_warnings(caplog, "Redis is unreachable") == 1
    state.profile_cache.put("k1", profile(1), 60)
    assert state.profile_cache.get("k1") == profile(1)
    try:
        server.start()
        time.sleep(REPROBE + 0.05)
        state.profile_cache.put("k2", profile(2), 60)
        assert len(all_keys(server.url)) == 1
    finally:
        server.close()
