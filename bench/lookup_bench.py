"""Lookup benchmark against an in-process Profile API sandbox: `python bench/lookup_bench.py`.

Prints: fan-out efficiency (lookup time ÷ slowest single route, 150 ms injected on every
route), upstream requests per cold and warm card (issue 10 §1: every key known to the
trait-class catalogue, and a key it cannot place), requests for 20 concurrent identical
lookups, requests for every sample customer twice over, and a burst of 300 distinct
lookups through the 100/s limiter against a sandbox that
answers 429 past 100 requests in any rolling second.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from bisect import bisect_left
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.identifiers import Identifier
from bot.sandbox.bot_fleet import write_customers
from bot.sandbox.faults import Fault
from bot.sandbox.profile_api import ProfileApiSandbox
from bot.segment.errors import ProfileApiError
from bot.segment.lookup import ProfileService
from bot.settings import load_settings
from bot.state import NotFoundEntry
from bot.wiring import build_profile_service, build_state

LATENCY = 0.150


def ident_of(primary: str) -> Identifier:
    id_type, _, value = primary.partition(":")
    return Identifier(id_type, value)


def service_for(sandbox: ProfileApiSandbox, **env: str) -> ProfileService:
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": "bench",
            "SEGMENT_SPACE_ID": sandbox.space_id,
            "SEGMENT_ACCESS_TOKEN": sandbox.token,
            "SEGMENT_PROFILE_API_URL": sandbox.base_url,
            "PROFILE_ALLOW_ALL_USERS": "true",
            "SEGMENT_RATE_LIMIT_RPS": "100",
            **env,
        },
        env_file=None,
    )
    return build_profile_service(settings, state=build_state(settings))


def concurrent_identical_lookups(
    service: ProfileService, sandbox: ProfileApiSandbox, ident: Identifier, count: int = 20
) -> int:
    """Upstream requests for `count` simultaneous cold lookups of `ident`, LATENCY per route."""
    sandbox.add_fault(Fault(route="*", latency=LATENCY))
    before = service.client.request_count
    barrier = threading.Barrier(count)

    def lookup() -> None:
        barrier.wait()
        service.fetch_profile(ident)

    threads = [threading.Thread(target=lookup) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sandbox.clear_faults()
    return service.client.request_count - before


def forget(service: ProfileService, ident: Identifier) -> None:
    service.cache.put(service.cache_key(ident), NotFoundEntry(0.0), 0)


def busiest_second(times: list[float]) -> int:
    times = sorted(times)
    return max((bisect_left(times, t + 1.0) - i for i, t in enumerate(times)), default=0)


def fan_out_ratio(sandbox: ProfileApiSandbox, idents: list[Identifier], rounds: int) -> None:
    service = service_for(sandbox)
    for ident in idents:
        service.fetch_profile(ident)  # teach the trait-class catalogue
    sandbox.add_fault(Fault(route="*", latency=LATENCY))
    client, deadline = service.client, lambda: time.monotonic() + 5
    calls = {
        "traits": lambda i: client.traits(i, deadline=deadline()),
        "events": lambda i: client.events(i, deadline=deadline()),
        "external_ids": lambda i: client.external_ids(i, deadline=deadline()),
        "links": lambda i: client.links(i, deadline=deadline()),
    }
    single: dict[str, list[float]] = {name: [] for name in calls}
    lookups: list[float] = []
    for n in range(rounds):
        ident = idents[n % len(idents)]
        for name, call in calls.items():
            started = time.perf_counter()
            call(ident)
            single[name].append(time.perf_counter() - started)
        forget(service, ident)
        started = time.perf_counter()
        service.fetch_profile(ident)
        lookups.append(time.perf_counter() - started)
    sandbox.clear_faults()
    slowest = max(statistics.median(v) for v in single.values())
    lookup = statistics.median(lookups)
    print(
        f"1. Fan-out with {LATENCY * 1000:.0f} ms injected on every route ({rounds} cold lookups)"
    )
    for name, values in single.items():
        print(f"     single {name:<13} median {statistics.median(values) * 1000:7.1f} ms")
    print(f"     whole lookup        median {lookup * 1000:7.1f} ms")
    print(f"     lookup ÷ slowest single route = {lookup / slowest:.2f}  (serial would be ≈ 4)")
    service.close()


def _requests_for(service: ProfileService, ident: Identifier) -> int:
    before = service.client.request_count
    service.fetch_profile(ident)
    return service.client.request_count - before


def _timed(service: ProfileService, ident: Identifier) -> float:
    started = time.perf_counter()
    service.fetch_profile(ident)
    return time.perf_counter() - started


def request_counts(sandbox: ProfileApiSandbox, known: Identifier, other: Identifier) -> None:
    """Issue 10 §1: a cold card costs 4 requests when the catalogue knows every key of the
    profile, 6 when it holds a key the catalogue cannot place; 0 warm."""
    service = service_for(sandbox)
    first = _requests_for(service, known)  # empty catalogue: class= asked with the traits
    forget(service, known)
    cold_known = _requests_for(service, known)
    warm = _requests_for(service, known)
    cold_unknown = _requests_for(service, other)  # keys `known` never had
    forget(service, other)
    again = _requests_for(service, other)
    print("2. Upstream requests per card (one process; no linked accounts)")
    print(f"     first card of the process (catalogue empty):      {first}")
    print(f"     cold, every key known to the catalogue:           {cold_known}")
    print(f"     cold, a key the catalogue cannot place:           {cold_unknown}")
    print(f"     the same customer cold again (keys now known):    {again}")
    print(f"     warm (cached):                                    {warm}")
    sandbox.add_fault(Fault(route="*", latency=LATENCY))
    fresh = service_for(sandbox)
    _timed(fresh, known)
    forget(fresh, known)
    known_time = _timed(fresh, known)
    unknown_time = _timed(fresh, other)
    sandbox.clear_faults()
    print(
        f"     time with {LATENCY * 1000:.0f} ms per route: known keys {known_time * 1000:.0f} ms, "
        f"unknown key {unknown_time * 1000:.0f} ms (class= waits for the traits)"
    )
    fresh.close()
    forget(service, known)
    sent = concurrent_identical_lookups(service, sandbox, known)
    print("3. 20 concurrent identical cold lookups (150 ms per route)")
    print(f"     upstream requests: {sent}")
    service.close()


def every_customer_twice(sandbox: ProfileApiSandbox, idents: list[Identifier]) -> None:
    """What asking class= only for unknown keys saves over always asking (6 per cold card)."""
    service = service_for(sandbox)
    passes = []
    for _ in range(2):
        sent = 0
        for ident in idents:
            forget(service, ident)
            sent += _requests_for(service, ident)
        passes.append(sent)
    always = 2 * sum(6 + _accounts_of(service, i) for i in idents)
    print(f"5. Every sample customer cold, twice over, one process ({len(idents)} customers)")
    print(
        f"     requests: first pass {passes[0]}, second pass {passes[1]}; "
        f"always asking class= would send {always}"
    )
    service.close()


def _accounts_of(service: ProfileService, ident: Identifier) -> int:
    entry = service.cache.get(service.cache_key(ident))
    return len(getattr(entry, "accounts", ()))


def burst(sandbox: ProfileApiSandbox, idents: list[Identifier]) -> None:
    sandbox.set_rate_limit(100)
    service = service_for(sandbox, PROFILE_LOOKUP_DEADLINE_SECONDS="60")
    service.fetch_profile(idents[0])  # learn trait classes, so each lookup is 4 requests
    time.sleep(1.2)  # let the limiter's window and the sandbox's empty out
    sandbox.clear_requests()
    before = service.client.request_count
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(len(idents) - 1)

    def lookup(ident: Identifier) -> None:
        barrier.wait()
        try:
            result = service.fetch_profile(ident)
            outcome = "partial" if result.profile.is_partial else "ok"
        except ProfileApiError as error:
            outcome = error.kind.value
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=lookup, args=(i,)) for i in idents[1:]]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = time.monotonic() - started
    recorded = sandbox.requests()
    sent = service.client.request_count - before
    print(f"4. Burst of {len(threads)} distinct cold lookups, limiter 100/s, sandbox limit 100/s")
    print(f"     upstream requests: {sent} ({sent / len(threads):.2f} per lookup)")
    print(
        f"     most requests in any rolling 1 s window: {busiest_second([r.at for r in recorded])}"
    )
    print(f"     429 answers: {sum(1 for r in recorded if r.status == 429)}")
    print(f"     total time: {total:.2f} s")
    print(f"     outcomes: {dict(outcomes)}")
    service.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--burst", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "customers.json"
        write_customers(path, args.burst + 1, prefix="bench")
        with ProfileApiSandbox(rate_limit_rps=None) as sample:
            no_accounts = [
                ident_of(c.identifier)
                for c in sample.customers()
                if c.identifier in ("phone:+15555550123", "email:liam.obrien@example.com")
                or c.identifier == "email:tom.becker@example.org"
            ]
            fan_out_ratio(sample, no_accounts, args.rounds)
            carlos = ident_of("phone:+15555550123")
            liam = ident_of("email:liam.obrien@example.com")  # keys Carlos does not have
            request_counts(sample, carlos, liam)
            users = [ident_of(c.identifier) for c in sample.customers()]
        with ProfileApiSandbox(rate_limit_rps=100, customers_path=path) as generated:
            idents = [ident_of(c.identifier) for c in generated.customers()]
            burst(generated, idents)
        with ProfileApiSandbox(rate_limit_rps=None) as sample:
            every_customer_twice(sample, users)


if __name__ == "__main__":
    main()
