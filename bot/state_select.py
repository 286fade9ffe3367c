"""Pick where the bot keeps its state: this process's memory, or Redis when REDIS_URL is set."""

from __future__ import annotations

import dataclasses

import redis

from bot.request_budget import TokenBucket
from bot.settings import Settings
from bot.state import StateBundle
from bot.state_codec import parse_encryption_key
from bot.state_memory import memory_state
from bot.state_redis import redis_state


def build_state(
    settings: Settings,
    *,
    fallback_rate_rps: float | None = None,
    redis_client: redis.Redis | None = None,
) -> StateBundle:
    """Memory state without REDIS_URL; with it, Redis-backed state that falls back to memory.

    `fallback_rate_rps` is this process's share of SEGMENT_RATE_LIMIT_RPS while Redis is
    unreachable (default: the whole rate, right for one process). Raises SettingsError for a
    malformed REDIS_URL or PROFILE_CACHE_ENCRYPTION_KEY.
    """
    # Checked even without Redis, so a bad key is reported before the day it is needed.
    parse_encryption_key(settings.cache_encryption_key)
    memory = memory_state(settings)
    if settings.redis_url is None and redis_client is None:
        return memory
    if fallback_rate_rps is not None:
        memory = dataclasses.replace(memory, budget=TokenBucket(fallback_rate_rps))
    return redis_state(settings, memory, client=redis_client)
