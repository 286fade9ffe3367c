"""Settings and state bundles for the Redis tests."""

from __future__ import annotations

import redis
from cryptography.fernet import Fernet

from bot.sandbox.credentials import settings_environ
from bot.settings import Settings, load_settings
from bot.state import StateBundle
from bot.state.cipher import ValueCipher
from bot.state.memory import memory_state
from bot.state.shared.backend import redis_client, redis_state

# A valid Fernet key (tests/support/secrets.CACHE_ENCRYPTION_KEY is not one).
FERNET_KEY = Fernet.generate_key().decode()


def settings_for(url: str, *, key: str | None = None, **env: str) -> Settings:
    """Settings with REDIS_URL (and PROFILE_CACHE_ENCRYPTION_KEY when `key` is given)."""
    overrides = {"REDIS_URL": url, **env}
    if key is not None:
        overrides["PROFILE_CACHE_ENCRYPTION_KEY"] = key
    return load_settings(settings_environ(**overrides), env_file=None)


def state_for(settings: Settings, *, reprobe: float = 0.2, lease: float = 2.0) -> StateBundle:
    """What one bot process builds: Redis state over this process's memory state."""
    assert settings.redis_url is not None
    return redis_state(
        redis_client(settings.redis_url),
        memory_state(
            max_profiles=settings.cache_max_profiles, rate_rps=settings.segment_rate_limit_rps
        ),
        cipher=ValueCipher.from_keys(
            settings.cache_encryption_key, secret=settings.identifier_hash_key
        ),
        hash_key=settings.identifier_hash_key,
        namespace=settings.segment_space_id,
        rate_rps=settings.segment_rate_limit_rps,
        reprobe_seconds=reprobe,
        lease_seconds=lease,
    )


def all_keys(url: str) -> dict[bytes, int]:
    """Every key in the server, with its remaining TTL in ms (-1: none, -2: gone)."""
    client = redis.Redis.from_url(url)
    try:
        return {key: int(client.pttl(key)) for key in client.scan_iter(count=1000)}
    finally:
        client.close()
