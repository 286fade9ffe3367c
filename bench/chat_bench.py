"""Chat surfaces benchmark: `python bench/chat_bench.py`.

Drives the real app in-process over loopback HTTP (sandbox Profile API with 150 ms injected on
every route, sandbox Slack) with signed message.im events and prints: the ack time of 20 DMs
sent at once (p50 / max), and the time from a DM to its card in the DM and from an @mention to
its ephemeral card (20 sequential lookups in a fresh bot per surface, each identifier new to the
cache: three sample customers, then 17 ids Segment does not know).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from bot.audit import AuditLog
from bot.demo import DEMO_USER, _Discard, demo_environment
from bot.demo_dm import dm_event_body
from bot.sandbox import sign_headers
from bot.sandbox.faults import Fault
from bot.sandbox.wsgi_server import serve_wsgi
from bot.wiring import build_services, build_wsgi

LATENCY = 0.150
CUSTOMERS = ("jane@example.com", "tom.becker@example.org", "priya.raman@example.com")


def _post(client: httpx.Client, secret: str, body: str) -> float:
    headers = sign_headers(secret, body)
    headers["Content-Type"] = "application/json"
    started = time.perf_counter()
    client.post("/slack/events", content=body, headers=headers).raise_for_status()
    return time.perf_counter() - started


def _mention_body(text: str, n: int) -> str:
    body = json.loads(dm_event_body(text, channel="C0SANDBOX1"))
    body["event"] = {
        "type": "app_mention",
        "user": DEMO_USER,
        "text": f"<@U0SANDBOXBOT> {text}",
        "ts": f"{time.time():.6f}",
        "channel": "C0SANDBOX1",
        "event_ts": str(n),
    }
    return json.dumps(body)


def _card_times(kind: str, method: str) -> list[float]:
    """Seconds from each of 20 sequential `kind` events to its card, in a fresh bot (cold)."""
    with demo_environment() as (settings, sandbox, slack):
        services = build_services(settings, audit=AuditLog(_Discard(), hash_key="bench"))
        sandbox.add_fault(Fault(route="*", latency=LATENCY))
        dm = slack.dm_channel(DEMO_USER)
        times = []
        try:
            with (
                serve_wsgi(build_wsgi(settings, services)) as base_url,
                httpx.Client(base_url=base_url, timeout=10) as client,
            ):
                for n in range(20):
                    seen = len(slack.calls(method))
                    # Three sample customers, then ids Segment does not know (a "not found"
                    # card): each new to the cache.
                    text = f"email:{CUSTOMERS[n]}" if n < len(CUSTOMERS) else f"user_id:u_{n}"
                    body = (
                        dm_event_body(text, channel=dm) if kind == "DM" else _mention_body(text, n)
                    )
                    started = time.perf_counter()
                    _post(client, settings.slack_signing_secret, body)
                    slack.wait_for_calls(method, seen + 1, timeout=30)
                    times.append(time.perf_counter() - started)
        finally:
            services.close()
    return times


def _acks() -> list[float]:
    """Ack times of 20 DMs sent at once."""
    with demo_environment() as (settings, _sandbox, slack):
        services = build_services(settings, audit=AuditLog(_Discard(), hash_key="bench"))
        try:
            with (
                serve_wsgi(build_wsgi(settings, services)) as base_url,
                httpx.Client(base_url=base_url, timeout=10) as client,
            ):
                bodies = [
                    dm_event_body("hello", channel=slack.dm_channel(DEMO_USER)) for _ in range(20)
                ]
                secret = settings.slack_signing_secret
                with ThreadPoolExecutor(20) as pool:
                    acks = list(pool.map(lambda b: _post(client, secret, b), bodies))
                slack.wait_for_calls("chat.postMessage", 20, timeout=30)
        finally:
            services.close()
    return acks


def main() -> None:
    acks = _acks()
    print(
        f"ack of 20 simultaneous DMs: p50 {statistics.median(acks) * 1000:.1f} ms, "
        f"max {max(acks) * 1000:.1f} ms"
    )
    for kind, method in (("DM", "chat.postMessage"), ("mention", "chat.postEphemeral")):
        times = _card_times(kind, method)
        found, missing = statistics.median(times[:3]), statistics.median(times[3:])
        print(
            f"{kind} → card ({LATENCY * 1000:.0f} ms on every route, cold): found "
            f"{found * 1000:.0f} ms (÷ route latency {found / LATENCY:.2f}), not found "
            f"{missing * 1000:.0f} ms (median of 3 and of 17)"
        )


if __name__ == "__main__":
    main()
