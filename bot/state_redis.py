"""State shared by every process through Redis (REDIS_URL), falling back to memory per process."""

from __future__ import annotations

import contextlib
import logging
from urllib.parse import urlsplit

import redis

from bot.redis_state.budget import RedisBudget
from bot.redis_state.flight import DEFAULT_LEASE_SECONDS, RedisSingleFlight
from bot.redis_state.link import (
    DEFAULT_REPROBE_SECONDS,
    DEFAULT_SOCKET_TIMEOUT,
    RedisLink,
    RedisUnavailable,
    connect,
)
from bot.redis_state.stores import (
    RedisContextStore,
    RedisDuplicateGuard,
    RedisMembershipStore,
    RedisProfileStore,
)
from bot.settings import Settings, is_loopback_host
from bot.settings_parsing import SettingsError
from bot.state import StateBundle
from bot.state_codec import ValueCipher

__all__ = ["describe_redis_url", "redis_client", "redis_state"]

log = logging.getLogger("bot.redis")
_SCHEMES = ("redis", "rediss", "unix")


def describe_redis_url(url: str) -> str:
    """`scheme://host:port/db` without user or password, for logs and messages."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return f"unix://{parts.path}"
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{parts.scheme}://{parts.hostname or '?'}:{port or 6379}{parts.path}"


def redis_client(url: str, *, socket_timeout: float = DEFAULT_SOCKET_TIMEOUT) -> redis.Redis:
    """A client for REDIS_URL, or SettingsError naming the setting (the URL is not echoed)."""
    fix = "Use redis://[:password@]host:6379/0, rediss://… for TLS, or unix:///path/to/redis.sock"
    if urlsplit(url).scheme not in _SCHEMES:
        raise SettingsError("REDIS_URL", "is not a redis://, rediss:// or unix:// URL", fix)
    try:
        return connect(url, socket_timeout=socket_timeout)
    except ValueError:
        raise SettingsError("REDIS_URL", "could not be parsed", fix) from None


def redis_state(
    settings: Settings,
    memory: StateBundle,
    *,
    client: redis.Redis | None = None,
    reprobe_seconds: float = DEFAULT_REPROBE_SECONDS,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
) -> StateBundle:
    """Every Protocol backed by Redis, each using `memory`'s implementation while Redis is down.

    `memory.budget` is this process's share of the rate during an outage. Raises SettingsError
    for a malformed REDIS_URL or PROFILE_CACHE_ENCRYPTION_KEY.
    """
    if settings.redis_url is None and client is None:
        raise SettingsError("REDIS_URL", "is not set", "Set it, or use the in-memory state")
    cipher = ValueCipher.from_settings(settings)
    if client is None:
        assert settings.redis_url is not None
        client = redis_client(settings.redis_url)
        _warn_if_exposed(settings.redis_url, cipher)
    link = RedisLink(
        client,
        hash_key=settings.audit_hash_key,
        namespace=settings.segment_space_id,
        reprobe_seconds=reprobe_seconds,
    )
    bundle = StateBundle(
        profiles=RedisProfileStore(link, cipher, memory.profiles),
        flight=RedisSingleFlight(link, cipher, memory.flight, lease=lease_seconds),
        budget=RedisBudget(
            link, settings.segment_rate_limit_rps, memory.budget, scope=settings.segment_space_id
        ),
        duplicates=RedisDuplicateGuard(link, memory.duplicates),
        memberships=RedisMembershipStore(link, cipher, memory.memberships),
        contexts=RedisContextStore(link, cipher, memory.contexts),
    )
    # Say at start-up whether Redis answers (an outage is warned about once by the link).
    with contextlib.suppress(RedisUnavailable):
        link.run(client.ping)
        log.info(
            "Shared state in Redis at %s (values %s)",
            describe_redis_url(settings.redis_url) if settings.redis_url else "a given client",
            "encrypted" if cipher.encrypts else "not encrypted",
        )
    return bundle


def _warn_if_exposed(url: str, cipher: ValueCipher) -> None:
    parts = urlsplit(url)
    remote = parts.scheme == "redis" and not is_loopback_host(parts.hostname or "")
    if remote and not cipher.encrypts:
        log.warning(
            "REDIS_URL points at %s over plain redis:// and PROFILE_CACHE_ENCRYPTION_KEY is "
            "unset: cached profiles (personal data) travel and rest in Redis unencrypted. Use "
            "rediss:// and set an encryption key",
            describe_redis_url(url),
        )
