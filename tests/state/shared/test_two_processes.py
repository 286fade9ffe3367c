"""Two real bot processes (gunicorn, `python -m bot run --mode http`) sharing one Redis, one
Profile API sandbox and one Slack sandbox: the budget, single-flight and cache are shared, a
killed process costs the other nothing, and a Redis outage degrades to per-process state and
recovers. Requests are signed like Slack's and sent over loopback HTTP."""

from __future__ import annotations

import itertools
import threading
import time
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from bot.sandbox import credentials as test_secrets
from bot.sandbox.bot_fleet import (
    BotServer,
    SentCommand,
    bot_environ,
    is_profile_card,
    new_slack_stub,
    segment_of,
    send_profile,
    start_all,
    write_customers,
)
from bot.sandbox.faults import Fault
from bot.sandbox.profile_api import ProfileApiSandbox
from bot.sandbox.redis_server import RedisServer
from bot.sandbox.slack_api import SlackApiSandbox

pytestmark = pytest.mark.redis

CARD_TIMEOUT = 30.0


class World:
    """The sandbox, the Slack sandbox, an HTTP client and a supply of never-seen customers."""

    def __init__(self, sandbox: ProfileApiSandbox, slack: SlackApiSandbox, idents: list[str]):
        self.sandbox = sandbox
        self.slack = slack
        self._idents = iter(idents)
        self.http = httpx.Client(timeout=10.0, limits=httpx.Limits(max_connections=64))

    def fresh(self, count: int) -> list[str]:
        """`count` customers no test has looked up yet (so every first lookup is cold)."""
        return list(itertools.islice(self._idents, count))

    def send(self, bot: BotServer, ident: str) -> SentCommand:
        sent = send_profile(self.http, bot, self.slack, ident)
        assert sent.status == 200, f"{bot.name} answered {sent.status}"
        return sent

    def card(self, sent: SentCommand, timeout: float = CARD_TIMEOUT) -> dict[str, Any]:
        return self.slack.wait_for_responses(sent.response_url, 1, timeout)[0]

    def send_all(self, pairs: Sequence[tuple[BotServer, str]]) -> list[SentCommand]:
        """Send every (bot, identifier) at the same moment from its own thread."""
        barrier = threading.Barrier(len(pairs))

        def one(pair: tuple[BotServer, str]) -> SentCommand:
            barrier.wait()
            return self.send(*pair)

        with ThreadPoolExecutor(len(pairs)) as pool:
            return list(pool.map(one, pairs))

    def requests_for(self, ident: str) -> list[str]:
        """Routes of the Profile API requests the sandbox received for this customer."""
        segment = segment_of(ident)
        return [r.route or "?" for r in self.sandbox.requests() if r.segment == segment]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    path = tmp_path_factory.mktemp("two-processes") / "customers.json"
    idents = write_customers(path, 400, prefix="twoproc")
    sandbox = ProfileApiSandbox(rate_limit_rps=100, customers_path=path).start()
    slack = new_slack_stub()
    world = World(sandbox, slack, idents)
    yield world
    world.http.close()
    slack.stop()
    sandbox.stop()


@pytest.fixture
def clean_world(world: World) -> Iterator[World]:
    world.sandbox.clear_faults()
    world.sandbox.set_rate_limit(100)
    world.sandbox.clear_requests()
    yield world
    world.sandbox.clear_faults()


StartPair = Callable[..., tuple[BotServer, BotServer]]


@pytest.fixture
def start_pair(clean_world: World) -> Iterator[StartPair]:
    """Start two bot processes with the given settings; both are always stopped afterwards,
    and their output is checked for secrets and customers' emails."""
    started: list[BotServer] = []

    def start(redis_url: str, **env: str) -> tuple[BotServer, BotServer]:
        environ = bot_environ(clean_world.sandbox, clean_world.slack, REDIS_URL=redis_url, **env)
        bots = (BotServer(environ, name="bot1"), BotServer(environ, name="bot2"))
        started.extend(bots)
        start_all(bots)
        for bot in bots:  # Bolt's auth.test, the membership cache, the trait-class catalogue
            assert is_profile_card(clean_world.card(clean_world.send(bot, clean_world.fresh(1)[0])))
        return bots

    yield start
    try:
        for bot in started:
            bot.stop()
            output = bot.logs() + "\n".join(map(str, bot.audit()))
            leaked = [name for name, value in test_secrets.SECRETS if value in output]
            assert not leaked, f"{bot.name} wrote secrets: {leaked}"
            assert "@example.com" not in output, f"{bot.name} wrote a customer's email"
    finally:
        for bot in started:
            bot.close()


def busiest_second(times: list[float]) -> int:
    ordered = sorted(times)
    return max((bisect_left(ordered, t + 1.0) - i for i, t in enumerate(ordered)), default=0)


def split(bots: Sequence[BotServer], idents: Sequence[str]) -> list[tuple[BotServer, str]]:
    return [(bots[i % len(bots)], ident) for i, ident in enumerate(idents)]


def test_both_processes_share_one_request_budget(
    start_pair: StartPair, redis_url: str, world: World
) -> None:
    # 20/s for the whole deployment: one process alone could send its 20/s, two would send 40/s
    # in the first second unless the budget is one. The sandbox answers 429 past 20.
    bots = start_pair(
        redis_url,
        SEGMENT_RATE_LIMIT_RPS="20",
        SEGMENT_RATE_LIMIT_FALLBACK_RPS="10",
        PROFILE_LOOKUP_DEADLINE_SECONDS="20",
    )
    time.sleep(1.2)  # the warm-up's requests leave the rolling window
    world.sandbox.set_rate_limit(20)
    world.sandbox.clear_requests()
    idents = world.fresh(24)

    sent = world.send_all(split(bots, idents))
    cards = [world.card(s) for s in sent]

    recorded = world.sandbox.requests()
    assert all(is_profile_card(card) for card in cards)
    assert [r.status for r in recorded if r.status == 429] == []
    assert len(recorded) == 4 * len(idents)
    assert busiest_second([r.at for r in recorded]) <= 20
    assert Counter(s.bot for s in sent) == {"bot1": 12, "bot2": 12}


def test_identical_lookups_on_both_processes_fetch_once(
    start_pair: StartPair, redis_url: str, world: World
) -> None:
    bots = start_pair(redis_url)
    (ident,) = world.fresh(1)
    # Slow enough that all 20 lookups are in flight together.
    world.sandbox.add_fault(Fault(route="*", segment=segment_of(ident), latency=0.4))

    sent = world.send_all(split(bots, [ident] * 20))
    cards = [world.card(s) for s in sent]

    assert all(is_profile_card(card) for card in cards)
    assert Counter(world.requests_for(ident)) == {
        "traits": 1,
        "events": 1,
        "external_ids": 1,
        "links": 1,
    }


def test_killing_one_process_loses_none_of_the_others_lookups(
    start_pair: StartPair, redis_url: str, world: World
) -> None:
    victim, survivor = start_pair(
        redis_url, SEGMENT_RATE_LIMIT_RPS="100", PROFILE_LOOKUP_DEADLINE_SECONDS="10"
    )
    shared = world.fresh(4)  # the victim is fetching these when it dies
    own = world.fresh(8)  # only the survivor is asked for these
    victim_only = world.fresh(4)
    world.sandbox.add_fault(Fault(route="*", latency=1.0))

    world.send_all(split([victim], shared + victim_only))
    # Wait until the victim holds the shared lookups (its requests reached the sandbox), then
    # ask the survivor for them too: it waits on the victim's flight.
    give_up = time.monotonic() + 5
    while not all(world.requests_for(i) for i in shared):
        assert time.monotonic() < give_up, "the victim never started its lookups"
        time.sleep(0.02)
    sent = world.send_all(split([survivor], shared + own))
    time.sleep(0.2)
    victim.kill()
    assert not victim.running

    cards = [world.card(s) for s in sent]

    assert all(is_profile_card(card) for card in cards)
    for ident in shared:
        # The victim's fetch died with it (some of its requests had gone out); the survivor
        # waited on the victim's flight, took it over when the lease lapsed and fetched again.
        assert len(world.requests_for(ident)) > 4
    for ident in own:
        assert len(world.requests_for(ident)) == 4
    assert survivor.running


def test_lookups_survive_a_redis_outage_and_share_again_after_it(
    start_pair: StartPair, own_redis: RedisServer, world: World
) -> None:
    bots = start_pair(own_redis.url, SEGMENT_RATE_LIMIT_FALLBACK_RPS="50")
    world.sandbox.add_fault(Fault(route="*", latency=0.5))
    in_flight = world.send_all(split(bots, world.fresh(4)))
    time.sleep(0.2)
    own_redis.stop()  # mid-lookup

    assert all(is_profile_card(world.card(s)) for s in in_flight)
    world.sandbox.clear_faults()
    during = world.send_all(split(bots, world.fresh(4)))
    assert all(is_profile_card(world.card(s)) for s in during)
    for bot in bots:
        assert bot.wait_for_log("Redis is unreachable", timeout=5), bot.logs()[-2000:]
        assert bot.running

    own_redis.start()
    give_up = time.monotonic() + 20
    while not all("Redis is reachable again" in bot.logs() for bot in bots):
        assert time.monotonic() < give_up, "the processes never went back to Redis"
        # Each lookup touches Redis; one every few seconds is a re-probe.
        for sent in world.send_all(split(bots, world.fresh(2))):
            assert is_profile_card(world.card(sent))
        time.sleep(0.5)

    (ident,) = world.fresh(1)
    first = world.card(world.send(bots[0], ident))
    fetched = len(world.requests_for(ident))
    earlier = len(_lookups(bots[1]))
    second = world.card(world.send(bots[1], ident))

    assert is_profile_card(first) and is_profile_card(second)
    assert fetched == 4
    assert len(world.requests_for(ident)) == 4  # bot2 found bot1's card in Redis
    assert _next_lookup(bots[1], earlier)["cached"] is True


def _lookups(bot: BotServer) -> list[dict[str, Any]]:
    return [r for r in bot.audit() if r.get("action") == "lookup"]


def _next_lookup(bot: BotServer, earlier: int) -> dict[str, Any]:
    """The audit record of the lookup after the first `earlier` ones."""
    give_up = time.monotonic() + 5
    while len(records := _lookups(bot)) <= earlier:
        assert time.monotonic() < give_up, f"{bot.name} wrote no audit record"
        time.sleep(0.05)
    return records[earlier]
