"""Settings and state bundles for the Redis tests."""

from __future__ import annotations

import redis
from cryptography.fernet import Fernet

from bot.settings import Settings, load_settings
from bot.state import StateBundle
from bot.state_memory import memory_state
from bot.state_redis import redis_state
from tests.support.secrets import settings_environ

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
    return redis_state(
        settings, memory_state(settings), reprobe_seconds=reprobe, lease_seconds=lease
    )


def all_keys(url: str) -> dict[bytes, int]:
    """Every key in the server, with its remaining TTL in ms (-1: none, -2: gone)."""
    client = redis.Redis.from_url(url)
    try:
        return {key: int(client.pttl(key)) for key in client.scan_iter(count=1000)}
    finally:
        client.close()
