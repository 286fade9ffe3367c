"""Single-flight across processes: one execution per key, shared outcome, holder death."""

from __future__ import annotations

import threading
import time

import pytest
import redis

from bot.identifiers import Identifier
from bot.sandbox.faults import Fault
from bot.sandbox.profile_api import ProfileApiSandbox
from bot.segment.errors import ErrorKind, ProfileApiError
from bot.segment.models import Profile
from bot.state.cipher import ValueCipher
from bot.state.memory import MemorySingleFlight
from bot.state.shared.flight import RedisSingleFlight
from tests.state.shared.helpers import all_keys
from tests.state.shared.workers import HASH_KEY, Processes, make_link

pytestmark = pytest.mark.redis

KEY = "ab" * 32
COUNTER = "test:executions"


def executions(url: str) -> int:
    client = redis.Redis.from_url(url)
    try:
        return int(client.get(COUNTER) or 0)
    finally:
        client.close()


def run_workers(url: str, count: int, *, hold: float, outcome: str, lease: float = 2.0) -> list:
    processes = Processes(count)
    for _ in range(count):
        processes.start("flight_worker", url, KEY, COUNTER, hold, outcome, lease)
    processes.go()
    results, codes = processes.results(timeout=20)
    assert codes == [0] * count
    return results


def test_two_processes_share_one_execution(redis_url: str) -> None:
    results = run_workers(redis_url, 2, hold=0.5, outcome="profile")
    assert executions(redis_url) == 1
    assert len(results) == 2
    # Both got the profile the one execution fetched (it stamped its pid into fetched_at).
    assert {r["fetched_by"] for r in results} == {results[0]["fetched_by"]}
    assert results[0]["fetched_by"] in {r["pid"] for r in results}
    assert all(r["plan"] == "pro" for r in results)
    # The lease is gone; the outcome kept for waiters expires.
    left = {k: ttl for k, ttl in all_keys(redis_url).items() if k != COUNTER.encode()}
    assert [k.split(b":")[1] for k in left] == [b"flight-result"]
    assert all(ttl > 0 for ttl in left.values())


def test_a_not_found_reaches_every_waiting_process(redis_url: str) -> None:
    results = run_workers(redis_url, 3, hold=0.4, outcome="not_found")
    assert executions(redis_url) == 1
    assert [r.get("error") for r in results] == ["not_found"] * 3


def test_when_the_holder_dies_a_waiter_takes_over_after_the_lease(redis_url: str) -> None:
    # The first process to take the lease dies inside fetch; the other must not hang until its
    # deadline: the lease (0.5 s here) expires and it runs fetch itself.
    processes = Processes(1)
    processes.start("flight_worker", redis_url, KEY, COUNTER, 0.0, "die", 0.5)
    processes.go()
    results, codes = processes.results(timeout=20)
    assert codes == [3] and results == []
    assert executions(redis_url) == 1
    lease_keys = [k for k in all_keys(redis_url) if k.startswith(b"profile-bot:flight:")]
    assert len(lease_keys) == 1  # the dead holder's lease is still there

    flight = RedisSingleFlight(
        make_link(redis_url), ValueCipher(None, secret=HASH_KEY), MemorySingleFlight()
    )
    started = time.monotonic()
    profile = flight.do(KEY, lambda: Profile(Identifier("user_id", "u1"), 2.0), started + 5.0)
    assert profile.fetched_at == 2.0
    assert time.monotonic() - started < 1.5
    assert executions(redis_url) == 1  # our lambda does not count; the dead one did


def test_threads_and_a_process_share_one_execution(redis_url: str) -> None:
    link = make_link(redis_url)
    flight = RedisSingleFlight(link, ValueCipher(None, secret=HASH_KEY), MemorySingleFlight())
    calls = []
    barrier = threading.Barrier(8)

    def fetch() -> Profile:
        calls.append(1)
        time.sleep(0.3)
        return Profile(Identifier("user_id", "u1"), 3.0)

    got: list[Profile] = []

    def caller() -> None:
        barrier.wait()
        got.append(flight.do(KEY, fetch, time.monotonic() + 5.0))

    threads = [threading.Thread(target=caller) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and len(got) == 8
    assert {p.fetched_at for p in got} == {3.0}


def test_a_waiter_whose_deadline_passes_raises_timeout(redis_url: str) -> None:
    holder = RedisSingleFlight(
        make_link(redis_url), ValueCipher(None, secret=HASH_KEY), MemorySingleFlight()
    )
    waiter = RedisSingleFlight(
        make_link(redis_url), ValueCipher(None, secret=HASH_KEY), MemorySingleFlight()
    )
    started = threading.Event()

    def slow() -> Profile:
        started.set()
        time.sleep(0.6)
        return Profile(Identifier("user_id", "u1"), 4.0)

    thread = threading.Thread(target=lambda: holder.do(KEY, slow, time.monotonic() + 5.0))
    thread.start()
    assert started.wait(5)
    before = time.monotonic()
    with pytest.raises(TimeoutError):
        waiter.do(KEY, slow, time.monotonic() + 0.2)
    assert 0.15 < time.monotonic() - before < 0.5
    thread.join()


def test_other_errors_are_not_shared_and_the_next_caller_runs_again(redis_url: str) -> None:
    flight = RedisSingleFlight(
        make_link(redis_url), ValueCipher(None, secret=HASH_KEY), MemorySingleFlight()
    )

    def broken() -> Profile:
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError):
        flight.do(KEY, broken, time.monotonic() + 1.0)
    upstream = ProfileApiError(ErrorKind.UPSTREAM, "HTTP 503", status=503)

    def failing() -> Profile:
        raise upstream

    with pytest.raises(ProfileApiError) as caught:
        flight.do(KEY, failing, time.monotonic() + 1.0)
    assert caught.value is upstream
    assert flight.do(KEY, lambda: Profile(Identifier("user_id", "u1"), 5.0), time.monotonic() + 1)


def test_two_bot_processes_looking_up_one_customer_cost_one_lookup(redis_url: str) -> None:
    # The real ProfileService in each process, the Profile API sandbox answering slowly enough
    # for the lookups to overlap: the customer is fetched once, route by route.
    with ProfileApiSandbox() as sandbox:
        sandbox.add_fault(Fault(latency=0.3))
        customer = sandbox.customers()[0].identifier
        processes = Processes(2)
        for _ in range(2):
            processes.start("lookup_worker", redis_url, sandbox.base_url, customer)
        processes.go()
        results, codes = processes.results(timeout=20)
        requests = sandbox.requests()
    assert codes == [0, 0]
    assert [r["cached"] for r in results] == [False, False]
    assert results[0]["traits"] == results[1]["traits"] > 0
    users = [r for r in requests if r.collection == "users"]
    assert len([r for r in users if r.route == "traits" and "class" not in r.query]) == 1
    assert len([r for r in users if r.route == "events"]) == 1
