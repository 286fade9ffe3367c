"""The Redis ProfileStore, ContextStore, MembershipStore and DuplicateGuard, over a real server."""

from __future__ import annotations

import logging
import time

import pytest
import redis
from cryptography.fernet import Fernet

from bot.identifiers import Identifier
from bot.segment.models import Profile
from bot.state import NotFoundEntry
from tests.state.shared.helpers import FERNET_KEY, all_keys, settings_for, state_for

pytestmark = pytest.mark.redis

EMAIL = "jane@example.com"
JANE = Profile(Identifier("email", EMAIL), fetched_at=1.0, traits={"email": EMAIL, "plan": "pro"})
KEY = "0f" * 32  # the lookup layer's HMAC of the identifier


def test_profiles_are_shared_between_processes(redis_url: str) -> None:
    one = state_for(settings_for(redis_url))
    other = state_for(settings_for(redis_url))  # another process: its own memory, same Redis
    assert one.profile_cache.get(KEY) is None
    one.profile_cache.put(KEY, JANE, 60)
    assert other.profile_cache.get(KEY) == JANE
    other.profile_cache.put("11" * 32, NotFoundEntry(fetched_at=2.0), 60)
    assert one.profile_cache.get("11" * 32) == NotFoundEntry(fetched_at=2.0)


def test_profiles_expire_and_ttl_zero_forgets(redis_url: str) -> None:
    state = state_for(settings_for(redis_url))
    state.profile_cache.put(KEY, JANE, 0.15)
    assert state.profile_cache.get(KEY) == JANE
    time.sleep(0.25)
    assert state.profile_cache.get(KEY) is None
    state.profile_cache.put(KEY, JANE, 60)
    state.profile_cache.put(KEY, JANE, 0)
    assert state.profile_cache.get(KEY) is None
    assert all_keys(redis_url) == {}


def test_encrypted_profiles_hide_the_email_and_a_wrong_key_is_a_miss(
    redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    state = state_for(settings_for(redis_url, key=FERNET_KEY))
    state.profile_cache.put(KEY, JANE, 60)
    raw = redis.Redis.from_url(redis_url)
    ((name, ttl),) = all_keys(redis_url).items()
    value = raw.get(name)
    raw.close()
    assert value is not None and EMAIL.encode() not in value and b"plan" not in value
    assert EMAIL.encode() not in name and KEY.encode() not in name and ttl > 0
    assert state.profile_cache.get(KEY) == JANE

    caplog.set_level(logging.WARNING, logger="bot.redis")
    other_key = state_for(settings_for(redis_url, key=Fernet.generate_key().decode()))
    no_key = state_for(settings_for(redis_url))
    for _ in range(3):
        assert other_key.profile_cache.get(KEY) is None
        assert no_key.profile_cache.get(KEY) is None
    unreadable = [r for r in caplog.records if "was refused" in r.getMessage()]
    assert len(unreadable) == 2  # once per store and minute, not once per read


def test_contexts_made_by_one_process_work_in_another(redis_url: str) -> None:
    one = state_for(settings_for(redis_url, key=FERNET_KEY))
    other = state_for(settings_for(redis_url, key=FERNET_KEY))
    context = {"requester": "U1", "identifier": f"email:{EMAIL}", "channel": "C1", "ts": None}
    one.contexts.put("ref-abc", context, 60)
    assert other.contexts.get("ref-abc") == context
    assert other.contexts.get("ref-unknown") is None
    one.contexts.put("ref-short", context, 0.1)
    time.sleep(0.2)
    assert other.contexts.get("ref-short") is None
    with pytest.raises(TypeError):
        one.contexts.put("ref-bad", {"when": object()}, 60)


def test_memberships_put_get_and_invalidate(redis_url: str) -> None:
    one = state_for(settings_for(redis_url))
    other = state_for(settings_for(redis_url))
    one.memberships.put("S1", frozenset({"U1", "U2"}), 60)
    one.memberships.put("S2", frozenset(), 60)
    one.memberships.put("S3", frozenset({"U3"}), 60)
    assert other.memberships.get("S1") == frozenset({"U1", "U2"})
    assert other.memberships.get("S2") == frozenset()
    other.memberships.invalidate("S1")
    assert one.memberships.get("S1") is None
    assert one.memberships.get("S3") == frozenset({"U3"})
    other.memberships.invalidate()
    assert one.memberships.get("S2") is None and one.memberships.get("S3") is None
    assert all_keys(redis_url) == {}


def test_duplicate_deliveries_are_caught_across_processes(redis_url: str) -> None:
    one = state_for(settings_for(redis_url))
    other = state_for(settings_for(redis_url))
    assert one.duplicates.first_time("Ev123", 60) is True
    assert other.duplicates.first_time("Ev123", 60) is False
    assert one.duplicates.first_time("Ev123", 60) is False
    assert other.duplicates.first_time("Ev124", 0.1) is True
    time.sleep(0.2)
    assert one.duplicates.first_time("Ev124", 0.1) is True
