"""State shared by every process through Redis (REDIS_URL), falling back to memory per process."""

from __future__ import annotations

import contextlib
import logging
from urllib.parse import urlsplit

import redis

from bot.settings import is_loopback_host
from bot.state.cipher import ValueCipher
from bot.state.interfaces import StateBundle
from bot.state.shared.budget import RedisBudget
from bot.state.shared.flight import DEFAULT_LEASE_SECONDS, RedisSingleFlight
from bot.state.shared.history import RedisHistoryStore
from bot.state.shared.link import (
    DEFAULT_REPROBE_SECONDS,
    DEFAULT_SOCKET_TIMEOUT,
    RedisLink,
    RedisUnavailable,
    connect,
)
from bot.state.shared.stores import (
    RedisContextStore,
    RedisDuplicateGuard,
    RedisMembershipStore,
    RedisProfileStore,
)

__all__ = ["describe_redis_url", "redis_client", "redis_state", "warn_if_exposed"]

log = logging.getLogger("bot.redis")


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
    """A client for REDIS_URL (validated by load_settings), with short timeouts."""
    client = connect(url, socket_timeout=socket_timeout)
    return client


def redis_state(
    client: redis.Redis,
    memory: StateBundle,
    *,
    cipher: ValueCipher,
    hash_key: str,
    namespace: str,
    rate_rps: float,
    where: str = "a given client",
    reprobe_seconds: float = DEFAULT_REPROBE_SECONDS,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
) -> StateBundle:
    """Every interface backed by Redis, each using `memory`'s implementation while Redis is down.

    `memory.budget` is this process's share of the rate during an outage; `hash_key` keys the
    HMACs that stand in for identifiers in key names; `namespace` (the space id) separates spaces.
    """
    link = RedisLink(
        client, hash_key=hash_key, namespace=namespace, reprobe_seconds=reprobe_seconds
    )
    bundle = StateBundle(
        profile_cache=RedisProfileStore(link, cipher, memory.profile_cache),
        flight=RedisSingleFlight(link, cipher, memory.flight, lease=lease_seconds),
        budget=RedisBudget(link, rate_rps, memory.budget, scope=namespace),
        duplicates=RedisDuplicateGuard(link, memory.duplicates),
        memberships=RedisMembershipStore(link, cipher, memory.memberships),
        contexts=RedisContextStore(link, cipher, memory.contexts),
        history=RedisHistoryStore(link, cipher, memory.history),
    )
    # Say at start-up whether Redis answers (an outage is warned about once by the link).
    with contextlib.suppress(RedisUnavailable):
        link.run(client.ping)
        log.info(
            "Shared state in Redis at %s (values %s)",
            where,
            "encrypted" if cipher.encrypts else "not encrypted",
        )
    return bundle


def warn_if_exposed(url: str, cipher: ValueCipher) -> None:
    """Warn at start-up when cached personal data rests (and maybe travels) in Redis in clear."""
    if cipher.encrypts:
        return
    parts = urlsplit(url)
    remote = parts.scheme == "redis" and not is_loopback_host(parts.hostname or "")
    log.warning(
        "REDIS_URL is set and PROFILE_CACHE_ENCRYPTION_KEY is not: cached profiles and card "
        "contexts (personal data) rest in Redis at %s unencrypted%s. Values are authenticated, "
        "so they cannot be planted, but anyone who can read Redis can read them. Set "
        "PROFILE_CACHE_ENCRYPTION_KEY (python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())')%s",
        describe_redis_url(url),
        " and travel over plain redis://" if remote else "",
        ", and use rediss://" if remote else "",
    )
