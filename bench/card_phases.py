"""The phases of bench/card_bench.py: each sends signed `/profile` requests to real bot
processes and reads the figures off the Slack sandbox (cards) and the sandbox (requests)."""

from __future__ import annotations

import socket
import statistics
import threading
import time
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.remote_sandbox import RemoteSandbox
from bot.sandbox import credentials as test_secrets
from bot.sandbox.bot_fleet import (
    TEAM,
    BotServer,
    SentCommand,
    is_profile_card,
    new_slack_stub,
    segment_of,
    send_profile,
    write_customers,
)
from bot.sandbox.faults import Fault
from bot.sandbox.redis_server import RedisServer
from bot.sandbox.signing import command_body, sign_headers
from bot.sandbox.slack_api import SlackApiSandbox

LATENCY = 0.150
STALL = 2.5
RATE = 100


def busiest_second(times: Sequence[float]) -> int:
    """The most events in any rolling one-second window."""
    return busiest_window(times)[0]


def busiest_window(times: Sequence[float]) -> tuple[int, float]:
    """The most events in any rolling one-second window, and when that window starts."""
    ordered = sorted(times)
    return max(
        ((bisect_left(ordered, t + 1.0) - i, t) for i, t in enumerate(ordered)), default=(0, 0.0)
    )


def percentile(values: Sequence[float], p: float) -> float:
    """Linear-interpolated percentile (p in 0..100)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Figures:
    """The figures of one configuration."""

    label: str
    values: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    ROWS = (
        ("Card latency ÷ 150 ms, median", "ratio", "≤ 1.10"),
        ("  (p90, max)", "ratio_tail", ""),
        ("Our overhead (median − 150 ms)", "overhead", "≤ 15 ms"),
        ("  first request / spread / after (ms)", "overhead_parts", ""),
        ("Upstream requests: cold card", "cold", "≤ 4"),
        ("Upstream requests: warm card", "warm", "0"),
        ("Ack, 20 concurrent, 2.5 s stall: p99", "ack_p99", "≤ 50 ms"),
        ("  (p50, max)", "ack_rest", ""),
        ("  then: profile cards / outcomes", "ack_cards", ""),
        ("Burst: lookups", "burst_n", ""),
        ("Burst: most requests in a rolling 1 s", "burst_peak", "≤ 100"),
        ("Burst: 429 answers", "burst_429", "0"),
        ("Burst: all cards arrived after", "burst_total", "≤ 16 s"),
        ("Burst: profile cards / outcomes", "burst_cards", ""),
    )

    def show(self, key: str) -> str:
        """The formatted value (or a dash)."""
        return self.values.get(key, "–")


class Rig:
    """Sandbox (its own process; 429 past 100 requests in a rolling second), Slack sandbox,
    Redis, and fresh customers."""

    def __init__(self, tmp: Path, redis: RedisServer | None, *, per_config: int, configs: int):
        path = tmp / "customers.json"
        self._unused = write_customers(path, per_config * configs + 50, prefix="bench")
        self.sandbox = RemoteSandbox(path, rate_limit_rps=RATE)
        self.slack: SlackApiSandbox | None = None
        self.redis = redis
        self.http = httpx.Client(timeout=30.0, limits=httpx.Limits(max_connections=100))

    def __enter__(self) -> Rig:
        self.sandbox.start()
        self.slack = new_slack_stub()
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()
        if self.slack is not None:
            self.slack.stop()
        self.sandbox.stop()

    @property
    def slack_api(self) -> SlackApiSandbox:
        """The started Slack sandbox."""
        assert self.slack is not None
        return self.slack

    def customers(self, count: int) -> list[str]:
        """`count` identifiers nobody looked up yet (every lookup of them is cold)."""
        taken, self._unused = self._unused[:count], self._unused[count:]
        if len(taken) < count:
            raise RuntimeError("ran out of generated customers")
        return taken

    def send(self, bot: BotServer, text: str) -> SentCommand:
        """A signed `/profile text` to `bot`."""
        return send_profile(self.http, bot, self.slack_api, text)

    def card(self, sent: SentCommand, timeout: float = 30.0) -> tuple[dict[str, Any], float]:
        """The first message posted to the request's response_url, and when it arrived."""
        message = self.slack_api.wait_for_responses(sent.response_url, 1, timeout)[0]
        return message, time.monotonic()


def warm_up(rig: Rig, bots: Sequence[BotServer]) -> None:
    """One lookup per process: Bolt's auth.test, the membership cache and the trait-class
    catalogue (each process learns which trait keys are audiences / computed traits)."""
    for bot, ident in zip(bots, rig.customers(len(bots)), strict=True):
        message, _ = rig.card(rig.send(bot, ident))
        if not is_profile_card(message):
            raise RuntimeError(f"warm-up lookup on {bot.name} did not give a card: {message}")
    time.sleep(1.2)  # the budget's and the sandbox's windows empty out


def card_latency(rig: Rig, bots: Sequence[BotServer], figures: Figures, *, lookups: int) -> None:
    """Sequential cold lookups of distinct customers, `LATENCY` on every route."""
    rig.sandbox.add_fault(Fault(route="*", latency=LATENCY))
    elapsed, first, spread, after = [], [], [], []
    try:
        for i, ident in enumerate(rig.customers(lookups)):
            rig.sandbox.clear_requests()
            sent = rig.send(bots[i % len(bots)], ident)
            message, arrived = rig.card(sent)
            if not is_profile_card(message):
                raise RuntimeError("a latency lookup did not give a profile card")
            elapsed.append(arrived - sent.sent_at)
            seen = sorted(r.at for r in rig.sandbox.requests() if r.segment == segment_of(ident))
            first.append(seen[0] - sent.sent_at)
            spread.append(seen[-1] - seen[0])
            after.append(arrived - (seen[-1] + LATENCY))
            time.sleep(0.05)
    finally:
        rig.sandbox.clear_faults()
    median = statistics.median(elapsed)
    figures.values["ratio"] = f"{median / LATENCY:.2f}"
    tail = f"{percentile(elapsed, 90) / LATENCY:.2f}, {max(elapsed) / LATENCY:.2f}"
    figures.values["ratio_tail"] = tail
    figures.values["overhead"] = f"{(median - LATENCY) * 1000:.1f} ms"
    figures.values["overhead_parts"] = " / ".join(
        f"{statistics.median(part) * 1000:.1f}" for part in (first, spread, after)
    )
    figures.notes.append(
        f"latency: {lookups} sequential cold lookups of distinct customers without linked "
        f"accounts, alternating over the processes, catalogue warmed first; card times "
        f"{', '.join(f'{e * 1000:.0f}' for e in elapsed)} ms"
    )


def upstream_cost(rig: Rig, bots: Sequence[BotServer], figures: Figures) -> None:
    """Requests the sandbox saw for a cold card (first process) and the same card warm (last)."""
    (ident,) = rig.customers(1)
    rig.sandbox.clear_requests()
    message, _ = rig.card(rig.send(bots[0], ident))
    cold = len(rig.sandbox.requests())
    message2, _ = rig.card(rig.send(bots[-1], ident))
    warm = len(rig.sandbox.requests()) - cold
    if not (is_profile_card(message) and is_profile_card(message2)):
        raise RuntimeError("the upstream-cost lookups did not give profile cards")
    figures.values["cold"] = str(cold)
    figures.values["warm"] = str(warm)
    if len(bots) > 1:
        figures.notes.append("warm card: cached by bot1 (through Redis), shown by bot2")


def ack_times(
    rig: Rig,
    bots: Sequence[BotServer],
    figures: Figures,
    count: int = 20,
    samples: list[float] | None = None,
) -> None:
    """Ack times of `count` concurrent `/profile` requests while every route stalls `STALL`.

    The requests are signed and their connections opened beforehand, then written at once from
    `count` threads, so the figure is the bot's time to answer, not this client's work. The
    times are also appended to `samples` when given.
    """
    idents = rig.customers(count)
    requests = [_raw_command(rig, bots[i % len(bots)], idents[i]) for i in range(count)]
    connections = [
        socket.create_connection(("127.0.0.1", bots[i % len(bots)].port)) for i in range(count)
    ]
    for sock in connections:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    barrier = threading.Barrier(count)

    def one(i: int) -> tuple[int, float]:
        sock, (data, _) = connections[i], requests[i]
        barrier.wait()
        started = time.perf_counter()
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        elapsed = time.perf_counter() - started
        sock.close()  # at once, as any client does
        return int(answer.split(b" ", 2)[1]), elapsed

    audit_before = [len(bot.audit()) for bot in bots]
    rig.sandbox.add_fault(Fault(route="*", latency=STALL))
    try:
        with ThreadPoolExecutor(count) as pool:
            results = list(pool.map(one, range(count)))
        kinds = Counter(
            _kind(rig.slack_api.wait_for_responses(url, 1, 15.0)[0]) for _, url in requests
        )
    finally:
        rig.sandbox.clear_faults()
        for sock in connections:
            sock.close()
    statuses = Counter(status for status, _ in results)
    if statuses != Counter({200: count}):
        raise RuntimeError(f"ack statuses: {statuses}")
    acks = [elapsed for _, elapsed in results]
    if samples is not None:
        samples.extend(acks)
    figures.values["ack_p99"] = f"{percentile(acks, 99) * 1000:.1f} ms"
    figures.values["ack_rest"] = f"{percentile(acks, 50) * 1000:.1f}, {max(acks) * 1000:.1f} ms"
    outcomes = lookup_outcomes(bots, audit_before)
    figures.values["ack_cards"] = f"{kinds['card']} / " + ", ".join(
        f"{n} {k}" for k, n in sorted(outcomes.items())
    )


def _raw_command(rig: Rig, bot: BotServer, ident: str) -> tuple[bytes, str]:
    """A complete signed HTTP request for `/profile ident` (closing the connection after)."""
    response_url = rig.slack_api.new_response_url()
    body = command_body(ident, team_id=TEAM, response_url=response_url)
    headers = sign_headers(test_secrets.SLACK_SIGNING_SECRET, body)
    lines = [
        "POST /slack/events HTTP/1.1",
        f"Host: 127.0.0.1:{bot.port}",
        f"Content-Length: {len(body.encode())}",
        "Connection: close",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode(), response_url


def lookup_outcomes(bots: Sequence[BotServer], audit_before: Sequence[int]) -> Counter[str]:
    """Outcomes of the lookups audited since `audit_before` (records per process)."""
    time.sleep(0.2)  # the last audit lines reach the files
    outcomes: Counter[str] = Counter()
    for bot, before in zip(bots, audit_before, strict=True):
        for record in bot.audit()[before:]:
            if record.get("action") == "lookup":
                outcomes[str(record.get("outcome"))] += 1
    return outcomes


def _kind(message: dict[str, Any]) -> str:
    if is_profile_card(message):
        return "card"
    text = str(message.get("text") or "")
    return "busy" if "busy" in text.lower() else "error"


def burst(rig: Rig, bots: Sequence[BotServer], figures: Figures, *, lookups: int) -> None:
    """`lookups` distinct cold lookups sent at once, spread over the processes."""
    idents = rig.customers(lookups)
    time.sleep(1.2)
    rig.sandbox.clear_requests()
    audit_before = [len(bot.audit()) for bot in bots]
    with ThreadPoolExecutor(32) as pool:
        sent = list(pool.map(lambda i: rig.send(bots[i % len(bots)], idents[i]), range(lookups)))
    first = min(s.sent_at for s in sent)
    kinds: Counter[str] = Counter()
    last = first
    for s in sent:
        message, arrived = rig.card(s, timeout=60.0)
        kinds[_kind(message)] += 1
        last = max(last, arrived)
    recorded = rig.sandbox.requests()
    outcomes = lookup_outcomes(bots, audit_before)
    figures.values["burst_n"] = f"{lookups} ({len(recorded)} requests)"
    peak, peak_at = busiest_window([r.at for r in recorded])
    figures.values["burst_peak"] = str(peak)
    figures.notes.append(
        f"burst: busiest rolling second at the sandbox starts {peak_at - first:.2f} s after the "
        f"first request was sent"
    )
    figures.values["burst_429"] = str(sum(1 for r in recorded if r.status == 429))
    figures.values["burst_total"] = f"{last - first:.1f} s"
    figures.values["burst_cards"] = f"{kinds['card']} / " + ", ".join(
        f"{n} {k}" for k, n in sorted(outcomes.items())
    )
