"""Card benchmark through real bot processes: `python bench/card_bench.py` (about 75 s).

Starts the Profile API sandbox and the Slack sandbox in this process, then the bot as real
subprocesses (`python -m bot run --mode http`: gunicorn, WEB_CONCURRENCY=1), first ONE process
with in-memory state, then TWO processes sharing one throwaway redis-server. Signed `/profile`
requests go over loopback HTTP exactly as Slack sends them; a card "arrives" when the bot posts
it to the request's response_url on the Slack sandbox. Prints card latency, upstream requests
per card, ack times while Segment stalls, a 300-lookup burst through the 100/s budget, and the
memory a process needs for 10,000 cached profiles.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.card_phases import (
    Figures,
    Rig,
    ack_times,
    burst,
    card_latency,
    upstream_cost,
    warm_up,
)
from bench.lookup_bench import service_for
from bot.identifiers import Identifier
from bot.sandbox.bot_fleet import BotServer, bot_environ, start_all
from bot.sandbox.profile_api import ProfileApiSandbox
from bot.sandbox.redis_server import RedisServer
from bot.state.codec import encode_entry

CONFIGS = {"1": (1, False), "2": (2, True), "1r": (1, True)}
LABELS = {"1": "1 process", "2": "2 processes + Redis", "1r": "1 process + Redis"}


def run_config(rig: Rig, key: str, args: argparse.Namespace) -> Figures:
    """Start the bot processes of one configuration, run every phase, stop them."""
    count, shared = CONFIGS[key]
    env = bot_environ(
        rig.sandbox,
        rig.slack_api,
        SEGMENT_RATE_LIMIT_RPS="100",
        # Jobs waiting for a thread are capped at 8 per thread (32 threads by default: 256);
        # 40 lets ONE process take the whole 300-lookup burst instead of refusing 44 of them.
        PROFILE_WORKER_THREADS=str(args.worker_threads),
    )
    if shared:
        assert rig.redis is not None
        client = rig.redis.client()
        client.flushall()
        client.close()
        env["REDIS_URL"] = rig.redis.url
        env["SEGMENT_RATE_LIMIT_FALLBACK_RPS"] = str(100 / count)
    bots = [BotServer(env, name=f"bot{i + 1}") for i in range(count)]
    figures = Figures(LABELS[key])
    try:
        start_all(bots)
        warm_up(rig, bots)
        card_latency(rig, bots, figures, lookups=args.lookups)
        upstream_cost(rig, bots, figures)
        burst(rig, bots, figures, lookups=args.burst)
        # Last: reads time out during the stall and open the circuit breaker for a while.
        ack_times(rig, bots, figures)
    finally:
        for bot in bots:
            bot.close()
    return figures


def profile_template(path: Path) -> None:
    """Encode one typical profile (the sandbox's jane@example.com, as a real lookup builds it)."""
    with ProfileApiSandbox() as sandbox:
        service = service_for(sandbox)
        try:
            profile = service.fetch_profile(Identifier("email", "jane@example.com")).profile
        finally:
            service.close()
    path.write_bytes(encode_entry(profile))


def memory_figures(tmp: Path) -> list[dict[str, Any]]:
    """RSS of a fresh process per case (see bench/cache_memory.py)."""
    template = tmp / "profile.bin"
    profile_template(template)
    script = Path(__file__).with_name("cache_memory.py")
    cases = [(10_000, 10_000), (10_000, 30_000), (30_000, 30_000)]
    results = []
    for maximum, inserted in cases:
        out = subprocess.run(
            [
                *(sys.executable, str(script), str(template), "--max", str(maximum)),
                *("--insert", str(inserted)),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def print_table(all_figures: list[Figures], args: argparse.Namespace) -> None:
    """One row per figure, one column per configuration, and the target."""
    print()
    print(
        f"Host: {os.cpu_count()} CPUs, shared by the bot processes, redis-server and this "
        f"process (sandbox, Slack sandbox, client). Bots: WEB_CONCURRENCY=1, WEB_THREADS=16, "
        f"SEGMENT_RATE_LIMIT_RPS=100, PROFILE_WORKER_THREADS={args.worker_threads}; sandbox "
        f"answers 429 past 100 requests in any rolling second."
    )
    rows = Figures.ROWS
    width = max(len(label) for label, _, _ in rows) + 2
    columns = [f.label for f in all_figures]
    col = max(22, *(len(c) + 2 for c in columns))
    print()
    print("".ljust(width) + "".join(c.rjust(col) for c in columns) + "   target")
    for label, key, target in rows:
        cells = "".join(f.show(key).rjust(col) for f in all_figures)
        print(label.ljust(width) + cells + f"   {target}")
    for f in all_figures:
        for note in f.notes:
            print(f"  [{f.label}] {note}")


def print_memory(results: list[dict[str, Any]]) -> None:
    """The memory rows."""
    print()
    size = results[0]["bytes_per_profile"]
    print(
        f"Memory: one bot process (production services built, in-memory state), profiles of a "
        f"typical customer (jane@example.com: 16 traits, 10 events, 4 external ids, 1 account; "
        f"{size} bytes as compact JSON), each decoded from its own JSON:"
    )
    for r in results:
        print(
            f"  cache max {r['max']:>6,}  inserted {r['inserted']:>6,}  kept {r['kept']:>6,}  "
            f"RSS {r['rss_before_kib'] / 1024:6.1f} MB before -> "
            f"{r['rss_after_kib'] / 1024:6.1f} MB after"
        )
    print(
        "  target: < 150 MB with 10,000 cached profiles; the cache bound (PROFILE_CACHE_MAX_"
        "PROFILES) is what keeps RSS flat when more are inserted. MemoryProfileStore keeps each "
        "profile as zlib'd compact JSON and decodes it on a hit."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lookups", type=int, default=20, help="cold lookups for latency")
    parser.add_argument("--burst", type=int, default=300, help="lookups in the burst")
    parser.add_argument("--worker-threads", type=int, default=40, help="PROFILE_WORKER_THREADS")
    parser.add_argument(
        "--configs", default="1,2", help="comma-separated: 1 (one process), 2 (two + Redis), 1r"
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the memory figures")
    args = parser.parse_args()
    keys = [k.strip() for k in args.configs.split(",") if k.strip()]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="card-bench-") as name:
        tmp = Path(name)
        redis = RedisServer().start() if any(CONFIGS[k][1] for k in keys) else None
        try:
            with Rig(
                tmp, redis, per_config=args.burst + args.lookups + 60, configs=len(keys)
            ) as rig:
                all_figures = []
                for key in keys:
                    print(f"running: {LABELS[key]} …", flush=True)
                    all_figures.append(run_config(rig, key, args))
            memory = [] if args.no_memory else memory_figures(tmp)
        finally:
            if redis is not None:
                with contextlib.suppress(Exception):
                    redis.close()
    print_table(all_figures, args)
    if memory:
        print_memory(memory)
    print(f"\n(whole benchmark: {time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
