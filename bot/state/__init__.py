"""The state the bot keeps between requests: in this process's memory, or shared through Redis.

Its public face: the interfaces (`StateBundle` and the stores in it) and `memory_state`; the
Redis backend lives in `bot.state.shared`, assembled by bot.wiring when REDIS_URL is set.
"""

from bot.state.interfaces import (
    CacheEntry,
    ContextStore,
    DuplicateGuard,
    HistoryStore,
    MembershipStore,
    NotFoundEntry,
    ProfileStore,
    RequestBudget,
    SingleFlight,
    StateBundle,
)
from bot.state.memory import memory_state

__all__ = [
    "CacheEntry",
    "ContextStore",
    "DuplicateGuard",
    "HistoryStore",
    "MembershipStore",
    "NotFoundEntry",
    "ProfileStore",
    "RequestBudget",
    "SingleFlight",
    "StateBundle",
    "memory_state",
]
