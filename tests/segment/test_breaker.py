"""Circuit breaker states with a fake clock."""

from __future__ import annotations

import threading

from bot.segment.breaker import BreakerState, CircuitBreaker


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def failing(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        assert breaker.allow()
        breaker.record_failure()


def test_opens_after_five_consecutive_failures_and_fails_fast() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(clock=clock)
    failing(breaker, 4)
    assert breaker.state is BreakerState.CLOSED
    failing(breaker, 1)
    assert breaker.state is BreakerState.OPEN
    assert not breaker.allow()
    assert breaker.retry_in() == 30.0
    clock.now += 29.9
    assert not breaker.allow()


def test_success_resets_the_count() -> None:
    breaker = CircuitBreaker(clock=FakeClock())
    failing(breaker, 4)
    assert breaker.allow()
    breaker.record_success()
    failing(breaker, 4)
    assert breaker.state is BreakerState.CLOSED


def test_neutral_outcomes_neither_trip_nor_reset() -> None:
    breaker = CircuitBreaker(clock=FakeClock())
    failing(breaker, 4)
    for _ in range(10):
        assert breaker.allow()
        breaker.record_neutral()
    assert breaker.state is BreakerState.CLOSED
    failing(breaker, 1)
    assert breaker.state is BreakerState.OPEN


def test_half_open_lets_one_probe_through_and_closes_on_success() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(clock=clock)
    failing(breaker, 5)
    clock.now += 30
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.allow()  # the probe
    assert not breaker.allow()  # everyone else still fails fast
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED
    assert breaker.allow()


def test_failed_probe_reopens_for_a_full_period() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(clock=clock)
    failing(breaker, 5)
    clock.now += 31
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    clock.now += 29
    assert not breaker.allow()
    clock.now += 1
    assert breaker.allow()


def test_neutral_probe_frees_the_slot_without_closing() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(clock=clock)
    failing(breaker, 5)
    clock.now += 30
    assert breaker.allow()
    breaker.record_neutral()
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.allow()
    assert not breaker.allow()


def test_only_one_probe_among_many_threads() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(clock=clock)
    failing(breaker, 5)
    clock.now += 30
    allowed: list[bool] = []
    barrier = threading.Barrier(16)

    def attempt() -> None:
        barrier.wait()
        allowed.append(breaker.allow())

    threads = [threading.Thread(target=attempt) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert allowed.count(True) == 1
