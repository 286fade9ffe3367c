"""The circuit breaker wired into the client, against the sandbox (breaker clock faked)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import pytest

from bot.sandbox.faults import Fault
from bot.sandbox.profile_api import ProfileApiSandbox
from bot.segment.breaker import BreakerState, CircuitBreaker
from bot.segment.client import ProfileApiClient
from bot.segment.errors import ErrorKind, ProfileApiError
from tests.segment.conftest import JANE, NOBODY, TOKEN, deadline_in

ClientFactory = Callable[..., ProfileApiClient]


class FakeClock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


def kind_of(call: Callable[[], object]) -> ErrorKind | None:
    try:
        call()
    except ProfileApiError as error:
        return error.kind
    return None


def test_opens_fails_fast_without_a_request_then_recovers(
    sandbox: ProfileApiSandbox, make_client: ClientFactory
) -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(clock=clock)
    client = make_client(breaker=breaker, max_retries=0)
    sandbox.add_fault(Fault(route="*", status=503))
    for _ in range(5):
        assert kind_of(lambda: client.traits(JANE, deadline=deadline_in(2))) is ErrorKind.UPSTREAM
    assert breaker.state is BreakerState.OPEN
    assert sandbox.request_count() == 5

    started = time.monotonic()
    with pytest.raises(ProfileApiError) as caught:
        client.events(JANE, deadline=deadline_in(2))
    assert time.monotonic() - started < 0.1
    assert caught.value.kind is ErrorKind.CIRCUIT_OPEN
    assert caught.value.retry_after == pytest.approx(30)
    assert sandbox.request_count() == 5  # nothing was sent

    sandbox.clear_faults()
    clock.now += 30
    assert client.traits(JANE, deadline=deadline_in(2)).traits  # the probe
    assert breaker.state is BreakerState.CLOSED
    assert client.events(JANE, deadline=deadline_in(2)) is not None


def test_timeouts_and_malformed_bodies_count_as_failures(
    sandbox: ProfileApiSandbox, make_client: ClientFactory
) -> None:
    breaker = CircuitBreaker(clock=FakeClock(), failure_threshold=3)
    client = make_client(breaker=breaker, max_retries=0)
    sandbox.add_fault(Fault(route="traits", latency=1.0, times=1))
    sandbox.add_fault(Fault(route="traits", mode="truncated_json", times=1))
    sandbox.add_fault(Fault(route="traits", mode="reset", times=1))
    assert kind_of(lambda: client.traits(JANE, deadline=deadline_in(0.3))) is ErrorKind.TIMEOUT
    assert kind_of(lambda: client.traits(JANE, deadline=deadline_in(2))) is ErrorKind.MALFORMED
    assert kind_of(lambda: client.traits(JANE, deadline=deadline_in(2))) is ErrorKind.UPSTREAM
    assert breaker.state is BreakerState.OPEN


def test_not_found_and_bad_request_count_as_successes(
    sandbox: ProfileApiSandbox, make_client: ClientFactory
) -> None:
    breaker = CircuitBreaker(clock=FakeClock())
    client = make_client(breaker=breaker, max_retries=0)
    sandbox.add_fault(Fault(route="events", status=500))
    sandbox.add_fault(Fault(route="traits", status=400, query={"limit": "7"}))
    for _ in range(3):
        for _ in range(4):
            kind_of(lambda: client.events(JANE, deadline=deadline_in(2)))
        assert (
            kind_of(lambda: client.traits(NOBODY, deadline=deadline_in(2))) is ErrorKind.NOT_FOUND
        )
        for _ in range(4):
            kind_of(lambda: client.events(JANE, deadline=deadline_in(2)))
        assert (
            kind_of(lambda: client.traits(JANE, deadline=deadline_in(2), limit=7))
            is ErrorKind.INVALID_REQUEST
        )
    assert breaker.state is BreakerState.CLOSED


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_unauthorized_does_not_trip_but_warns_without_secrets(
    sandbox: ProfileApiSandbox, make_client: ClientFactory
) -> None:
    breaker = CircuitBreaker(clock=FakeClock())
    client = make_client(breaker=breaker, token="revoked-token-value")
    handler = Records()
    logger = logging.getLogger("bot.segment.request")
    logger.addHandler(handler)
    try:
        for _ in range(8):
            assert (
                kind_of(lambda: client.traits(JANE, deadline=deadline_in(2)))
                is ErrorKind.UNAUTHORIZED
            )
    finally:
        logger.removeHandler(handler)
    assert breaker.state is BreakerState.CLOSED
    warnings = [r for r in handler.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # rate-limited: one operator warning, not one per call
    text = warnings[0].getMessage()
    assert "SEGMENT_ACCESS_TOKEN" in text
    for secret in ("revoked-token-value", TOKEN, "jane", "example.com"):
        assert secret not in text


def test_half_open_lets_exactly_one_probe_through(
    sandbox: ProfileApiSandbox, make_client: ClientFactory
) -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(clock=clock)
    client = make_client(breaker=breaker, max_retries=0)
    sandbox.add_fault(Fault(route="*", status=503, times=5))
    for _ in range(5):
        kind_of(lambda: client.traits(JANE, deadline=deadline_in(2)))
    clock.now += 30
    sandbox.clear_requests()
    sandbox.add_fault(Fault(route="*", latency=0.3, times=1))
    kinds: list[ErrorKind | None] = []
    barrier = threading.Barrier(6)

    def call() -> None:
        barrier.wait()
        kinds.append(kind_of(lambda: client.traits(JANE, deadline=deadline_in(2))))

    threads = [threading.Thread(target=call) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert kinds.count(None) == 1
    assert kinds.count(ErrorKind.CIRCUIT_OPEN) == 5
    assert sandbox.request_count() == 1
    assert breaker.state is BreakerState.CLOSED


def test_failed_calls_sharing_a_scope_count_as_one_failure(
    sandbox: ProfileApiSandbox, make_client: ClientFactory
) -> None:
    breaker = CircuitBreaker(clock=FakeClock())
    client = make_client(breaker=breaker, max_retries=0)
    sandbox.add_fault(Fault(route="*", status=503))
    lookup = object()
    routes: list[Callable[[], object]] = [
        lambda: client.traits(JANE, deadline=deadline_in(2), scope=lookup),
        lambda: client.events(JANE, deadline=deadline_in(2), scope=lookup),
        lambda: client.external_ids(JANE, deadline=deadline_in(2), scope=lookup),
        lambda: client.links(JANE, deadline=deadline_in(2), scope=lookup),
        lambda: client.metadata(JANE, deadline=deadline_in(2), scope=lookup),
        lambda: client.all_traits(JANE, deadline=deadline_in(2), max_pages=2, scope=lookup),
    ]
    for route in routes:
        assert kind_of(route) is ErrorKind.UPSTREAM
    assert sandbox.request_count() == 6
    assert breaker.state is BreakerState.CLOSED and breaker.failure_count == 1

    for scope in ("lookup-2", "lookup-3", "lookup-4"):  # four failing lookups: still closed
        for _ in range(3):
            with pytest.raises(ProfileApiError):
                client.events(JANE, deadline=deadline_in(2), scope=scope)
    assert breaker.state is BreakerState.CLOSED and breaker.failure_count == 4
    kind_of(lambda: client.traits(JANE, deadline=deadline_in(2), scope="lookup-5"))
    assert breaker.state is BreakerState.OPEN
    sandbox.clear_requests()
    assert kind_of(lambda: client.traits(JANE, deadline=deadline_in(2), scope=lookup)) is (
        ErrorKind.CIRCUIT_OPEN
    )
    assert sandbox.request_count() == 0
