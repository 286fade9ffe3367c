"""The front door's figures (issue 11 §9): `python bench/front_door.py` (about 80 s).

One bot process as in production (`python -m bot run --mode http`: gunicorn's master and one
waitress worker, WEB_THREADS=16) against the Profile API sandbox (its own process) and the Slack
sandbox (this process), as bench/card_bench.py runs it. Prints:

* the bot's CPU per cold card: user + system time of every process of the bot (master and
  worker, read from /proc, i.e. from outside), over `--cards` cold lookups of distinct customers
  sent `--concurrency` at a time, in `--batches` batches (median and each batch printed);
  target ≤ 8 ms. The same reading over an idle stretch as long is printed too: what the
  processes cost doing nothing;
* then acks while every Profile API route stalls 2.5 s: one uncounted round (a process's first
  burst also grows its thread pools), then `--rounds` rounds of 20 concurrent signed `/profile`
  requests, each written at once on a connection opened beforehand (so the figure is the bot's
  time to answer, not this client's); target p99 ≤ 50 ms. Last, because the stalled lookups
  time out and open the circuit breaker, as in bench/card_bench.py.

`--py-spy FILE` also records the worker with py-spy (`pip install py-spy`; not a dependency)
during the CPU phase, sampling only while it holds the GIL, in py-spy's raw (collapsed) format.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.card_phases import Figures, Rig, ack_times, percentile, warm_up
from bot.sandbox.bot_fleet import BotServer, bot_environ, is_profile_card

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(bot: BotServer) -> tuple[float, float]:
    """(user, system) CPU seconds of every process in the bot's session (master and workers)."""
    user = system = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue  # the process ended meanwhile
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == bot.session_id:  # field 6, session id (after pid and comm)
            user, system = user + int(fields[11]), system + int(fields[12])  # utime, stime
    return user / CLOCK_TICKS, system / CLOCK_TICKS


def worker_pid(bot: BotServer) -> int:
    """The gunicorn worker: the one child of the master."""
    children = Path(f"/proc/{bot.session_id}/task/{bot.session_id}/children").read_text().split()
    return int(children[0])


def cpu_per_card(
    rig: Rig, bot: BotServer, cards: int, concurrency: int
) -> tuple[float, float, float]:
    """(user, system) CPU ms per cold card, and CPU ms over an idle stretch as long as the run."""
    idents = rig.customers(cards)
    before, began = tree_cpu_seconds(bot), time.monotonic()

    def one(ident: str) -> bool:
        message, _ = rig.card(rig.send(bot, ident))
        return is_profile_card(message)

    with ThreadPoolExecutor(concurrency) as pool:
        shown = sum(pool.map(one, idents))
    time.sleep(0.3)  # the audit line and the last close after each card
    after, elapsed = tree_cpu_seconds(bot), time.monotonic() - began
    if shown != cards:
        raise RuntimeError(f"only {shown} of {cards} lookups gave a profile card")
    idle_before = tree_cpu_seconds(bot)
    time.sleep(elapsed)
    idle_after = tree_cpu_seconds(bot)
    user, system = ((a - b) / cards * 1000 for a, b in zip(after, before, strict=True))
    return user, system, (sum(idle_after) - sum(idle_before)) * 1000


def ack_rounds(rig: Rig, bot: BotServer, rounds: int) -> tuple[list[float], list[float]]:
    """All ack times of `rounds` rounds of 20, and the slowest of each round."""
    acks: list[float] = []
    worst: list[float] = []
    for _ in range(rounds):
        round_acks: list[float] = []
        ack_times(rig, [bot], Figures("bot"), samples=round_acks)
        acks += round_acks
        worst.append(max(round_acks))
        # The round's lookups end at PROFILE_LOOKUP_DEADLINE_SECONDS (5 s) and post their
        # cards: the next round starts on a quiet process.
        time.sleep(6.0)
    return acks, worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds of 20 concurrent acks")
    parser.add_argument("--cards", type=int, default=300, help="cold lookups for the CPU figure")
    parser.add_argument("--batches", type=int, default=3, help="the cards, measured in batches")
    parser.add_argument("--concurrency", type=int, default=1, help="lookups in flight at once")
    parser.add_argument("--py-spy", metavar="FILE", help="record the worker with py-spy")
    args = parser.parse_args()
    batch = args.cards // args.batches
    with tempfile.TemporaryDirectory(prefix="front-door-") as name:
        per_config = batch * args.batches + 20 * (args.rounds + 1) + 10
        with Rig(Path(name), None, per_config=per_config, configs=1) as rig:
            env = bot_environ(rig.sandbox, rig.slack_api, SEGMENT_RATE_LIMIT_RPS="100")
            bot = BotServer(env, name="bot")
            try:
                bot.start()
                warm_up(rig, [bot])
                spy = _start_py_spy(worker_pid(bot), args.py_spy) if args.py_spy else None
                cpu = [cpu_per_card(rig, bot, batch, args.concurrency) for _ in range(args.batches)]
                if spy is not None:
                    spy.send_signal(signal.SIGINT)
                    spy.wait(timeout=30)
                # Last, as in card_bench: the stalled lookups time out and open the circuit
                # breaker. The process's first burst also starts its lookup threads (thread
                # pools grow on demand): that round is reported apart, it happens once.
                _, first = ack_rounds(rig, bot, 1)
                acks, worst = ack_rounds(rig, bot, args.rounds)
            finally:
                bot.close()
    print(f"\nHost: {os.cpu_count()} CPUs shared by the bot, the sandbox and this process.")
    print(
        f"Ack, 20 concurrent /profile, every route stalls 2.5 s ({len(acks)} acks): "
        f"p50 {percentile(acks, 50) * 1000:.1f} ms, p99 {percentile(acks, 99) * 1000:.1f} ms, "
        f"max {max(acks) * 1000:.1f} ms   (target p99 <= 50 ms); slowest of each round: "
        + ", ".join(f"{w * 1000:.0f}" for w in worst)
        + f" ms; a fresh process's first round: {first[0] * 1000:.0f} ms"
    )
    totals = sorted(user + system for user, system, _ in cpu)
    user, system, idle = sorted(cpu, key=lambda c: c[0] + c[1])[len(cpu) // 2]
    print(
        f"Bot CPU per cold card (master + worker, user + system; {args.batches} batches of "
        f"{batch} cards, {args.concurrency} at a time): median {user + system:.1f} ms = "
        f"{user:.1f} user + {system:.1f} system (batches "
        + ", ".join(f"{t:.1f}" for t in totals)
        + f")   (target <= 8 ms); the same processes idle as long: {idle:.0f} ms in all"
    )


def _start_py_spy(pid: int, output: str) -> subprocess.Popen[bytes]:
    spy = Path(sys.executable).with_name("py-spy")
    if not spy.exists():  # a profiling tool, not a dependency of the project
        raise SystemExit("py-spy is not installed next to this Python: pip install py-spy")
    command = [str(spy), "record", "--pid", str(pid), "--rate", "1000", "--format", "raw", "--gil"]
    command.append("--nonblocking")  # never pauses the worker: the CPU figure stays its own
    process = subprocess.Popen([*command, "--output", output], stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # py-spy attaches
    return process


if __name__ == "__main__":
    main()
