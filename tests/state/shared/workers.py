"""Functions the Redis tests run in separate processes (forked from a fork server)."""

from __future__ import annotations

import os
import queue
import time
from typing import Any

import redis

from bot.identifiers import Identifier
from bot.segment.errors import ErrorKind, ProfileApiError
from bot.segment.models import Profile
from bot.state.cipher import ValueCipher
from bot.state.memory import MemorySingleFlight, PacedLimiter
from bot.state.shared.budget import RedisBudget
from bot.state.shared.flight import RedisSingleFlight
from bot.state.shared.link import RedisLink, connect

HASH_KEY = "test-redis-hash-key"
SPACE = "spa_sandbox"
JANE = Identifier("email", "jane@example.com")


def make_link(url: str) -> RedisLink:
    """A link as every process of one deployment builds it."""
    return RedisLink(connect(url), hash_key=HASH_KEY, namespace=SPACE, reprobe_seconds=0.2)


def budget_worker(go: Any, url: str, rate: float, seconds: float) -> list[float]:
    """Acquire permits as fast as the shared budget allows; the monotonic time of each grant."""
    budget = RedisBudget(make_link(url), rate, PacedLimiter(rate), scope=SPACE)
    go.wait()
    end = time.monotonic() + seconds
    granted: list[float] = []
    while time.monotonic() < end:
        if budget.acquire(deadline=end):
            granted.append(time.monotonic())
    return granted


def count_execution(url: str, counter: str) -> int:
    """Count one execution of a flight's function in Redis (the counter key expires)."""
    client = redis.Redis.from_url(url)
    try:
        pipe = client.pipeline()
        pipe.incr(counter)
        pipe.expire(counter, 60)
        return int(pipe.execute()[0])
    finally:
        client.close()


def flight_worker(
    go: Any, url: str, key: str, counter: str, hold: float, outcome: str, lease: float
) -> dict[str, Any]:
    """Call `do(key)` once from this process; what came back, or the error kind raised."""
    flight = RedisSingleFlight(
        make_link(url), ValueCipher(None, secret=HASH_KEY), MemorySingleFlight(), lease=lease
    )

    def fetch() -> Profile:
        count_execution(url, counter)
        if outcome == "die":
            os._exit(3)  # the holder's process dies mid-lookup, lease held
        time.sleep(hold)
        if outcome == "not_found":
            raise ProfileApiError(ErrorKind.NOT_FOUND, "no profile")
        return Profile(JANE, fetched_at=float(os.getpid()), traits={"plan": "pro"})

    go.wait()
    try:
        profile = flight.do(key, fetch, deadline=time.monotonic() + 5.0)
    except ProfileApiError as error:
        return {"error": error.kind.value, "pid": os.getpid()}
    return {"fetched_by": profile.fetched_at, "plan": profile.traits["plan"], "pid": os.getpid()}


def run_to_queue(queue: Any, go: Any, name: str, args: tuple[Any, ...]) -> None:
    """Process entry point: run workers.<name>(go, *args) and put its result on `queue`."""
    queue.put((os.getpid(), globals()[name](go, *args)))


class Processes:
    """Runs worker functions in separate processes, starts them together, collects results.

    Each worker gets a barrier first: it sets up, waits there, and `go()` releases them all.
    """

    def __init__(self, count: int) -> None:
        import multiprocessing

        # A fork server (started once per test run, with this module imported) makes each
        # worker a fresh fork of a small process: no copy of pytest's threads, no re-import.
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload([__name__])
        self._queue = self._context.Queue()
        self._go = self._context.Barrier(count + 1)
        self._processes: list[Any] = []

    def start(self, name: str, *args: Any) -> None:
        """Start workers.<name>(go, *args) in a new process."""
        process = self._context.Process(
            target=run_to_queue, args=(self._queue, self._go, name, args)
        )
        process.start()
        self._processes.append(process)

    def go(self, timeout: float = 20.0) -> None:
        """Wait until every worker is ready, then let them all run."""
        self._go.wait(timeout)

    def results(self, timeout: float = 20.0) -> tuple[list[Any], list[int | None]]:
        """Results of the processes that returned, and every process's exit code."""
        deadline = time.monotonic() + timeout
        results: list[Any] = []
        # Read while they run: a process that put a result exits only once it is read.
        while time.monotonic() < deadline:
            try:
                results.append(self._queue.get(timeout=0.05)[1])
                continue
            except queue.Empty:
                pass
            if not any(p.is_alive() for p in self._processes):
                break
        for process in self._processes:
            process.join(max(0.1, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
        while True:
            try:
                results.append(self._queue.get(timeout=0.1)[1])
            except queue.Empty:
                break
        return results, [p.exitcode for p in self._processes]


def lookup_worker(go: Any, redis_url: str, api_url: str, identifier: str) -> dict[str, Any]:
    """One bot process looking a customer up through the real ProfileService."""

    from bot.identifiers import IdentifierParser
    from bot.sandbox.credentials import settings_environ
    from bot.settings import load_settings
    from bot.wiring import build_profile_service, build_state

    settings = load_settings(
        settings_environ(REDIS_URL=redis_url, SEGMENT_PROFILE_API_URL=api_url), env_file=None
    )
    service = build_profile_service(settings, state=build_state(settings))
    ident = IdentifierParser(settings.id_types, settings.phone_id_type).parse(identifier)
    go.wait()
    try:
        result = service.fetch_profile(ident)
    finally:
        service.close()
    return {"cached": result.cached, "traits": len(result.profile.traits)}
