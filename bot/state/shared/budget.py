"""One request budget for every process: the memory limiter's two rules, kept in Redis."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from itertools import count

from bot.state.interfaces import RequestBudget
from bot.state.pacing import DEFAULT_LIMITER_MARGIN, pace_parameters
from bot.state.shared.link import Clock, RedisLink, RedisUnavailable

# The same two rules as pacing.PacedLimiter's plan, applied atomically on Redis's clock (µs).
# (The memory bucket applies them a second time to the times callers really wake; across
# processes that would cost a second round trip per permit, so here the plan is all.)
# 1. a sliding-window log (ZSET) of granted slots: a new slot lies at least one window after
#    the slot `capacity` places back (slots are handed out in order), the hard bound;
# 2. GCRA pacing: after `burst` back-to-back permits, slots are `interval` apart (the
#    theoretical arrival time lives in KEYS[2]).
# The caller gets the earliest slot satisfying both, unless it lies beyond its deadline
# (then nothing is reserved), and sleeps until it. Numbers go back to Redis through
# string.format: Lua's default number-to-string keeps only 14 digits, too few for µs.
_RESERVE = """
local function int(x) return string.format('%.0f', x) end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local capacity = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local interval = tonumber(ARGV[3])
local tolerance = tonumber(ARGV[4])
local max_wait = tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', int(now - window))
local slot = now
local tat = redis.call('GET', KEYS[2])
if tat then
    tat = tonumber(tat)
    slot = math.max(slot, tat - tolerance)
end
local taken = redis.call('ZCARD', KEYS[1])
if taken >= capacity then
    local decider = redis.call('ZRANGE', KEYS[1], taken - capacity, taken - capacity, 'WITHSCORES')
    slot = math.max(slot, tonumber(decider[2]) + window)
end
if slot - now > max_wait then
    return {0, int(slot - now)}
end
local next_tat = slot + interval
if tat then
    next_tat = math.max(tat, slot) + interval
end
local ttl_ms = int(math.ceil((next_tat - now + window) / 1000) + 1000)
redis.call('ZADD', KEYS[1], int(slot), ARGV[6])
redis.call('PEXPIRE', KEYS[1], ttl_ms)
redis.call('SET', KEYS[2], int(next_tat), 'PX', ttl_ms)
return {1, int(slot - now)}
"""


class RedisBudget:
    """At most `rate` upstream requests in any window of `1 + margin` seconds, across processes.

    Paced like the memory PacedLimiter: `burst` permits back to back, then evenly spaced. While
    Redis is unreachable this process uses `fallback` (its own share of the rate).
    """

    def __init__(
        self,
        link: RedisLink,
        rate: float,
        fallback: RequestBudget,
        *,
        scope: str,
        margin: float = DEFAULT_LIMITER_MARGIN,
        burst: int | None = None,
        clock: Clock = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.capacity, self.window, self.interval, self.burst = pace_parameters(rate, margin, burst)
        interval_us = math.ceil(self.interval * 1_000_000)
        self._limits = [
            self.capacity,
            math.ceil(self.window * 1_000_000),
            interval_us,
            # In whole intervals, so that rounding cannot make a burst's last permit wait.
            (max(1, self.burst) - 1) * interval_us,
        ]
        self._link = link
        self._fallback = fallback
        # One budget per Segment space, shared by every process of the deployment.
        self._keys = [link.key("budget", scope), link.key("budget-pace", scope)]
        self._clock = clock
        self._sleep = sleep
        self._script = link.client.register_script(_RESERVE)
        self._nonce = f"{os.getpid()}-{os.urandom(4).hex()}-"
        self._counter = count()

    def acquire(self, deadline: float) -> bool:
        """Wait for one permit until the monotonic `deadline`; False if none came in time."""
        remaining = deadline - self._clock()
        if remaining < 0:
            return False
        member = f"{self._nonce}{next(self._counter)}"
        args: list[int | str] = [*self._limits, math.floor(remaining * 1_000_000), member]
        try:
            reply = self._link.run(lambda: self._script(keys=self._keys, args=args))
        except RedisUnavailable:
            return self._fallback.acquire(deadline)
        granted, wait_us = int(reply[0]), int(reply[1])
        if not granted:
            return False
        if wait_us > 0:
            self._sleep(wait_us / 1_000_000)
        return True
