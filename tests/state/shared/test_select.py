"""build_state: memory without REDIS_URL, Redis with it; bad settings are named, not echoed."""

from __future__ import annotations

import logging

import pytest

from bot.settings.parsing import SettingsError, parse_encryption_key
from bot.state.cipher import ValueCipher
from bot.state.memory import MemoryProfileStore, PacedLimiter
from bot.state.shared.backend import describe_redis_url, warn_if_exposed
from bot.state.shared.stores import RedisProfileStore
from bot.wiring import build_state
from tests.state.shared.helpers import FERNET_KEY, settings_for

pytestmark = pytest.mark.redis


def test_without_redis_url_everything_is_in_memory(redis_url: str) -> None:
    settings = settings_for(redis_url, REDIS_URL="")
    assert settings.redis_url is None
    state = build_state(settings)
    assert isinstance(state.profile_cache, MemoryProfileStore)
    assert isinstance(state.budget, PacedLimiter)


def test_with_redis_url_the_state_is_shared(redis_url: str) -> None:
    one = build_state(settings_for(redis_url, key=FERNET_KEY), fallback_rate_rps=2.0)
    other = build_state(settings_for(redis_url, key=FERNET_KEY))
    assert isinstance(one.profile_cache, RedisProfileStore)
    one.contexts.put("card:r1", {"requester": "U1"}, 60)
    assert other.contexts.get("card:r1") == {"requester": "U1"}


def test_a_malformed_encryption_key_is_refused_even_without_redis(redis_url: str) -> None:
    bad = "not-a-fernet-key-but-a-secret"
    for url in (redis_url, ""):
        with pytest.raises(SettingsError) as caught:
            build_state(settings_for(url, key=bad))
        assert caught.value.setting == "PROFILE_CACHE_ENCRYPTION_KEY"
        assert bad not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    ["http://user:hunter2@cache:6379/0", "redis://:hunter2@cache:notaport/0", "hunter2"],
)
def test_a_malformed_redis_url_is_named_without_its_password(url: str) -> None:
    with pytest.raises(SettingsError) as caught:
        build_state(settings_for(url))
    assert caught.value.setting == "REDIS_URL"
    assert "hunter2" not in str(caught.value)


def test_urls_are_described_without_credentials() -> None:
    assert describe_redis_url("rediss://u:hunter2@cache.internal:6380/2") == (
        "rediss://cache.internal:6380/2"
    )
    assert describe_redis_url("unix:///run/redis.sock") == "unix:///run/redis.sock"


def test_redis_without_encryption_is_warned_about_at_start_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Called directly: building the state would connect to that (non-loopback) host.
    caplog.set_level(logging.WARNING, logger="bot.redis")
    encrypted = ValueCipher(parse_encryption_key(FERNET_KEY), secret="k")
    warn_if_exposed("redis://:hunter2@cache.internal:6379/0", encrypted)
    assert caplog.records == []
    warn_if_exposed("redis://127.0.0.1:6379/0", ValueCipher(None, secret="k"))
    (local,) = caplog.records
    assert (
        "unencrypted" in local.getMessage() and "PROFILE_CACHE_ENCRYPTION_KEY" in local.getMessage()
    )
    assert "rediss://" not in local.getMessage()
    caplog.clear()
    warn_if_exposed("redis://:hunter2@cache.internal:6379/0", ValueCipher(None, secret="k"))
    (remote,) = caplog.records
    message = remote.getMessage()
    assert "unencrypted" in message and "cache.internal:6379" in message and "rediss://" in message
    assert "hunter2" not in message


def test_building_redis_state_without_an_encryption_key_warns_once(
    redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.redis")
    build_state(settings_for(redis_url, key=FERNET_KEY))
    assert caplog.records == []
    build_state(settings_for(redis_url))
    (record,) = caplog.records
    assert "PROFILE_CACHE_ENCRYPTION_KEY" in record.getMessage()
