"""The global request budget: one limiter in Redis for every process."""

from __future__ import annotations

import time
from bisect import bisect_left

import pytest

from bot.state.memory import PacedLimiter
from bot.state.shared.budget import RedisBudget
from tests.state.shared.workers import SPACE, Processes, make_link

pytestmark = pytest.mark.redis

RATE = 50


def busiest_second(times: list[float]) -> int:
    """The most grants in any rolling one-second window [t, t + 1)."""
    ordered = sorted(times)
    return max((bisect_left(ordered, t + 1.0) - i for i, t in enumerate(ordered)), default=0)


def test_busiest_second_sees_a_burst() -> None:
    # The checker itself: 2R grants in one second (what a bucket of burst R allows) is caught.
    assert busiest_second([i / 100 for i in range(100)]) == 100
    assert busiest_second([0.0, 0.5, 0.999, 1.0, 1.5]) == 3
    assert busiest_second([0.0, 1.0, 2.0]) == 1


def test_two_processes_together_never_exceed_the_rate(redis_url: str) -> None:
    processes = Processes(2)
    for _ in range(2):
        processes.start("budget_worker", redis_url, float(RATE), 2.0)
    processes.go()
    results, codes = processes.results(timeout=20)
    assert codes == [0, 0]
    assert len(results) == 2
    merged = [t for granted in results for t in granted]
    assert busiest_second(merged) <= RATE
    # Sanity (not a benchmark): the budget is used, by both processes, at about the rate.
    assert all(len(granted) >= 10 for granted in results)
    assert 1.5 * RATE <= len(merged) <= 2.5 * RATE


def test_memory_buckets_alone_would_exceed_it() -> None:
    # What the shared budget prevents: two processes each with its own in-memory share.
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    buckets = [PacedLimiter(RATE, clock=lambda: now[0], sleep=sleep) for _ in range(2)]
    times = []
    while now[0] < 3.0:
        for bucket in buckets:
            assert bucket.acquire(deadline=now[0] + 5.0)
            times.append(now[0])
    assert busiest_second(times) > 1.5 * RATE


def test_permits_come_in_a_burst_then_paced(redis_url: str) -> None:
    budget = RedisBudget(make_link(redis_url), float(RATE), PacedLimiter(RATE), scope=SPACE)
    assert budget.burst < 12 < budget.capacity
    # Paced like one process's memory bucket: the same burst (a cold card) and spacing.
    memory = PacedLimiter(RATE)
    assert (budget.burst, budget.window) == (memory.burst, memory.window)
    assert budget.interval == pytest.approx(memory.interval)
    started = time.monotonic()
    times = []
    for _ in range(12):
        assert budget.acquire(deadline=time.monotonic() + 2.0)
        times.append(time.monotonic() - started)
    assert times[budget.burst - 1] < 0.1  # the burst goes out at once
    # Then evenly spaced (a generous bound: sleeping may only make the gaps longer).
    assert times[-1] >= (12 - budget.burst) * budget.interval * 0.9


def test_a_deadline_too_close_gets_false_at_once_and_reserves_nothing(redis_url: str) -> None:
    budget = RedisBudget(make_link(redis_url), 5.0, PacedLimiter(5.0), scope=SPACE, margin=0.0)
    for _ in range(5):
        assert budget.acquire(deadline=time.monotonic() + 0.01)
    before = time.monotonic()
    assert budget.acquire(deadline=time.monotonic() + 0.3) is False
    assert time.monotonic() - before < 0.1
    # The refused call reserved nothing: the next permit comes when the window has moved on.
    assert budget.acquire(deadline=time.monotonic() + 2.0)
    assert 0.8 < time.monotonic() - before < 1.3


def test_a_shared_budget_is_one_limit_across_instances(redis_url: str) -> None:
    one = RedisBudget(make_link(redis_url), 3.0, PacedLimiter(3.0), scope=SPACE)
    other = RedisBudget(make_link(redis_url), 3.0, PacedLimiter(3.0), scope=SPACE)

    def soon() -> float:
        return time.monotonic() + 0.05

    assert [one.acquire(soon()), other.acquire(soon()), one.acquire(soon())] == [True] * 3
    assert other.acquire(soon()) is False
    other_space = RedisBudget(make_link(redis_url), 3.0, PacedLimiter(3.0), scope="spa_other")
    assert other_space.acquire(soon()) is True
    assert one.acquire(time.monotonic() - 0.01) is False  # a deadline already past


def test_a_rate_below_one_spaces_permits_out(redis_url: str) -> None:
    budget = RedisBudget(make_link(redis_url), 0.5, PacedLimiter(0.5), scope=SPACE, margin=0.0)
    assert (budget.capacity, budget.window) == (1, 2.0)
    assert budget.acquire(time.monotonic() + 0.05)
    assert budget.acquire(time.monotonic() + 1.0) is False
