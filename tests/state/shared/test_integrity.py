"""Values written to Redis by someone else are refused: a logged miss, never trusted data.

The attacker here can read and write every key of a real redis-server (they see the key names
the bot uses) but holds neither AUDIT_HASH_KEY nor PROFILE_CACHE_ENCRYPTION_KEY.
"""

from __future__ import annotations

import json
import logging
import time

import pytest
import redis

from bot.identifiers import Identifier
from bot.segment.models import Profile
from bot.state import StateBundle
from bot.state.codec import encode_context, encode_entry
from bot.state.shared.link import RedisLink
from tests.state.shared.helpers import FERNET_KEY, settings_for, state_for

pytestmark = pytest.mark.redis

EMAIL = "jane@example.com"
JANE = Profile(Identifier("email", EMAIL), fetched_at=1.0, traits={"email": EMAIL, "plan": "pro"})
FORGED = Profile(Identifier("email", EMAIL), fetched_at=1.0, traits={"name": "Planted Name"})
KEY = "0f" * 32
OTHER_KEY = "1e" * 32
GROUP = "S0CSTEAM"
OUTSIDER = "U0OUTSIDER"
# What a value written by the bot before values were tagged looked like.
UNTAGGED_FORMATS = (b"p1:", b"p2:", b"")


def keys_of(url: str, kind: str) -> list[bytes]:
    client = redis.Redis.from_url(url)
    try:
        return sorted(client.scan_iter(match=f"profile-bot:{kind}:*"))
    finally:
        client.close()


def overwrite(url: str, key: bytes, value: bytes) -> None:
    client = redis.Redis.from_url(url)
    try:
        assert client.set(key, value, keepttl=True)
    finally:
        client.close()


def read(url: str, key: bytes) -> bytes:
    client = redis.Redis.from_url(url)
    try:
        value = client.get(key)
    finally:
        client.close()
    assert isinstance(value, bytes)
    return value


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "was refused" in r.getMessage()]


@pytest.fixture(params=["tagged", "encrypted"])
def state_and_url(request: pytest.FixtureRequest, redis_url: str) -> tuple[StateBundle, str]:
    key = FERNET_KEY if request.param == "encrypted" else None
    return state_for(settings_for(redis_url, key=key)), redis_url


@pytest.mark.parametrize("prefix", UNTAGGED_FORMATS)
def test_a_planted_member_set_is_a_logged_miss(
    state_and_url: tuple[StateBundle, str], prefix: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    state, url = state_and_url
    state.memberships.put(GROUP, frozenset({"U0MEMBER1"}), 60)
    (name,) = keys_of(url, "members")
    caplog.set_level(logging.WARNING, logger="bot.redis")
    overwrite(url, name, prefix + json.dumps(["U0MEMBER1", OUTSIDER]).encode())
    assert state.memberships.get(GROUP) is None  # a miss: the gate asks Slack again
    (message,) = refusals(caplog)
    assert "membership" in message and OUTSIDER not in message and "U0MEMBER1" not in message


def test_a_planted_profile_is_a_logged_miss(
    state_and_url: tuple[StateBundle, str], caplog: pytest.LogCaptureFixture
) -> None:
    state, url = state_and_url
    state.profile_cache.put(KEY, JANE, 60)
    (name,) = keys_of(url, "profile")
    caplog.set_level(logging.WARNING, logger="bot.redis")
    for prefix in UNTAGGED_FORMATS:
        overwrite(url, name, prefix + encode_entry(FORGED))
        assert state.profile_cache.get(KEY) is None
    (message,) = refusals(caplog)  # one warning a minute per kind, with a count
    assert "profile" in message and "Planted" not in message and EMAIL not in message


def test_a_planted_card_context_is_a_logged_miss(
    state_and_url: tuple[StateBundle, str], caplog: pytest.LogCaptureFixture
) -> None:
    state, url = state_and_url
    state.contexts.put("ref-1", {"requester": "U0MEMBER1", "identifier": f"email:{EMAIL}"}, 60)
    (name,) = keys_of(url, "context")
    caplog.set_level(logging.WARNING, logger="bot.redis")
    planted = {"requester": OUTSIDER, "identifier": "email:someone-else@example.com"}
    overwrite(url, name, b"p1:" + encode_context(planted))
    assert state.contexts.get("ref-1") is None
    (message,) = refusals(caplog)
    assert "card context" in message and OUTSIDER not in message and "someone" not in message


def test_a_tampered_value_is_a_logged_miss(
    state_and_url: tuple[StateBundle, str], caplog: pytest.LogCaptureFixture
) -> None:
    state, url = state_and_url
    state.profile_cache.put(KEY, JANE, 60)
    (name,) = keys_of(url, "profile")
    stored = read(url, name)
    caplog.set_level(logging.WARNING, logger="bot.redis")
    middle = len(stored) // 2
    overwrite(url, name, stored[:middle] + bytes([stored[middle] ^ 0x20]) + stored[middle + 1 :])
    assert state.profile_cache.get(KEY) is None
    assert len(refusals(caplog)) == 1
    overwrite(url, name, stored)  # the genuine value still reads
    assert state.profile_cache.get(KEY) == JANE


def test_a_genuine_value_copied_to_another_key_is_a_logged_miss(
    state_and_url: tuple[StateBundle, str], caplog: pytest.LogCaptureFixture
) -> None:
    state, url = state_and_url
    state.profile_cache.put(KEY, JANE, 60)
    state.profile_cache.put(OTHER_KEY, FORGED, 60)
    first, second = keys_of(url, "profile")
    caplog.set_level(logging.WARNING, logger="bot.redis")
    # Swap the two customers' values: each is authentic, but not for the key it now sits under.
    values = read(url, first), read(url, second)
    overwrite(url, first, values[1])
    overwrite(url, second, values[0])
    assert state.profile_cache.get(KEY) is None
    assert state.profile_cache.get(OTHER_KEY) is None
    (message,) = refusals(caplog)
    assert "another key" in message or "tag does not match" in message


def test_a_planted_shared_lookup_result_is_not_used(
    redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(redis_url)
    state = state_for(settings)
    caplog.set_level(logging.WARNING, logger="bot.redis")
    # The names the bot would use for a lookup whose lease is held by "holder".
    client = redis.Redis.from_url(redis_url)
    link = RedisLink(
        client, hash_key=settings.identifier_hash_key, namespace=settings.segment_space_id
    )
    try:
        client.set(link.key("flight-result", f"{KEY}\x00holder"), b"p1:V" + encode_entry(FORGED))
        client.set(link.key("flight", KEY), b"holder", px=300)
        # The waiter refuses the planted outcome, waits out the lease, then runs the lookup.
        value = state.flight.do(KEY, lambda: JANE, time.monotonic() + 3)
    finally:
        client.close()
    assert value == JANE
    assert any("shared lookup result" in m for m in refusals(caplog))
