"""Account card benchmark on an in-process Profile API sandbox: `python bench/account_bench.py`.

Prints, for an account with exactly 10 linked people: upstream requests for its card cold
(first account lookup of a process, then with the trait-class catalogue warm) and warm (cached);
requests for 20 concurrent identical cold lookups; and the cold lookup time with 150 ms injected
on every route, under the default request budget (20/s) and at 100/s, and for 20 people.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.lookup_bench import concurrent_identical_lookups, forget, service_for
from bot.identifiers import Identifier
from bot.sandbox.data import DEFAULT_CUSTOMERS_PATH
from bot.sandbox.faults import Fault
from bot.sandbox.profile_api import ProfileApiSandbox

LATENCY = 0.150
PEOPLE = 10
TENFOLD = Identifier("group_id", "tenfold-inc")
GLOBEX = Identifier("group_id", "globex")  # bundled: 24 people linked, Segment lists 20


def write_customers(path: Path) -> None:
    """The bundled customers plus one account with exactly PEOPLE linked people."""
    data = json.loads(DEFAULT_CUSTOMERS_PATH.read_text(encoding="utf-8"))
    people = [
        {
            "name": f"Person {i:02d}",
            "title": "Engineer",
            "email": f"person{i:02d}@tenfold.example.com",
            "user_id": f"u_tenfold_{i:02d}",
        }
        for i in range(PEOPLE)
    ]
    data["accounts"].append(
        {
            "name": "Tenfold Inc",
            "group_id": TENFOLD.value,
            "segment_id": "acc_2TeNfOlDiNc0000000000000000",
            "created_at": "2024-01-01T00:00:00.000Z",
            "traits": {"name": "Tenfold Inc", "plan": "business", "mrr": 1000},
            "audiences": {"enterprise_accounts": False},
            "computed_traits": {"health_score": 70},
            "people": people,
        }
    )
    path.write_text(json.dumps(data), encoding="utf-8")


def request_counts(sandbox: ProfileApiSandbox) -> None:
    service = service_for(sandbox)
    before = service.client.request_count
    first = service.fetch_profile(TENFOLD).profile
    first_cold = service.client.request_count - before
    forget(service, TENFOLD)
    before = service.client.request_count
    service.fetch_profile(TENFOLD)
    cold = service.client.request_count - before
    before = service.client.request_count
    service.fetch_profile(TENFOLD)
    warm = service.client.request_count - before
    print(f"1. Upstream requests for a {len(first.people)}-person account card")
    print(f"     cold, first account lookup of the process (asks trait classes): {first_cold}")
    print(f"     cold, trait-class catalogue warm: {cold}   (2 + {PEOPLE} = {2 + PEOPLE})")
    print(f"     warm (cached): {warm}")
    forget(service, TENFOLD)
    sent = concurrent_identical_lookups(service, sandbox, TENFOLD)
    print("2. 20 concurrent identical cold account lookups (150 ms per route)")
    print(f"     upstream requests: {sent}")
    service.close()


def cold_time(
    sandbox: ProfileApiSandbox, rps: str, ident: Identifier = TENFOLD, rounds: int = 5
) -> None:
    service = service_for(sandbox, SEGMENT_RATE_LIMIT_RPS=rps)
    service.fetch_profile(ident)  # learn the trait classes
    sandbox.add_fault(Fault(route="*", latency=LATENCY))
    times = []
    for _ in range(rounds):
        time.sleep(1.1)  # an empty budget window each round
        forget(service, ident)
        started = time.perf_counter()
        profile = service.fetch_profile(ident).profile
        times.append(time.perf_counter() - started)
        assert all(p.error is None for p in profile.people), "a person was not fetched"
    sandbox.clear_faults()
    people = len(profile.people)
    print(
        f"     {people} people, budget {rps:>3}/s: median {statistics.median(times) * 1000:6.0f} ms"
        f" (traits+links, then the people at once; serial ≈ {(2 + people) * LATENCY * 1000:.0f} ms)"
    )
    service.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "customers.json"
        write_customers(path)
        with ProfileApiSandbox(rate_limit_rps=None, customers_path=path) as sandbox:
            request_counts(sandbox)
            print(f"3. Cold account card, {LATENCY * 1000:.0f} ms on every route")
            cold_time(sandbox, "20")
            cold_time(sandbox, "100")
            cold_time(sandbox, "20", GLOBEX)  # Segment's cap: 20 linked people


if __name__ == "__main__":
    main()
