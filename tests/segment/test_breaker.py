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


def test_failures_sharing_a_scope_count_once() -> None:
    breaker = CircuitBreaker(clock=FakeClock())
    for _ in range(20):  # one lookup: every route and retry failing
        assert breaker.allow()
        breaker.record_failure("lookup-1")
    assert breaker.failure_count == 1
    assert breaker.state is BreakerState.CLOSED
    for scope in ("lookup-2", "lookup-3", "lookup-4"):
        breaker.record_failure(scope)
        breaker.record_failure(scope)
    assert breaker.failure_count == 4
    assert breaker.state is BreakerState.CLOSED
    breaker.record_failure("lookup-1")  # seen already in this run: still four
    assert breaker.state is BreakerState.CLOSED
    breaker.record_failure("lookup-5")
    assert breaker.state is BreakerState.OPEN


def test_unscoped_failures_count_one_each_next_to_scoped_ones() -> None:
    breaker = CircuitBreaker(clock=FakeClock())
    for _ in range(3):
        breaker.record_failure("lookup-1")
    failing(breaker, 3)  # paging buttons: no scope
    assert breaker.failure_count == 4
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN


def test_a_success_starts_the_run_of_failed_scopes_again() -> None:
    breaker = CircuitBreaker(clock=FakeClock())
    for scope in ("a", "b", "c", "d"):
        breaker.record_failure(scope)
    breaker.record_success()
    assert breaker.failure_count == 0
    for scope in ("a", "b", "c", "d"):
        breaker.record_failure(scope)
    assert breaker.state is BreakerState.CLOSED
    breaker.record_failure("e")
    assert breaker.state is BreakerState.OPEN
    assert breaker.failure_count == 0  # opening starts a fresh count for after recovery


def test_scoped_failed_probe_reopens_and_scoped_success_closes() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(clock=clock)
    for scope in range(5):
        breaker.record_failure(scope)
    clock.now += 30
    assert breaker.allow()
    breaker.record_failure("probe-lookup")
    assert breaker.state is BreakerState.OPEN
    assert breaker.retry_in() == 30.0
    clock.now += 30
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED


def test_concurrent_failures_of_one_scope_count_once_and_of_five_open() -> None:
    breaker = CircuitBreaker(clock=FakeClock())
    barrier = threading.Barrier(32)

    def fail(scope: str) -> None:
        barrier.wait()
        for _ in range(50):
            if breaker.allow():
                breaker.record_failure(scope)

    threads = [threading.Thread(target=fail, args=("lookup-1",)) for _ in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert breaker.state is BreakerState.CLOSED and breaker.failure_count == 1

    barrier = threading.Barrier(32)
    threads = [threading.Thread(target=fail, args=(f"lookup-{n % 8}",)) for n in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert breaker.state is BreakerState.OPEN
