"""Scenarios 26, 27 and 30 (reliability-security.md §5): a sustained outage and the circuit
breaker, a slow upstream against the lookup deadline, partial failures and thundering herds.

Lookups go through the running app over HTTP into the Profile API sandbox on loopback.
"""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Callable
from typing import Any

import pytest

from bot.identifiers import Identifier
from bot.sandbox.faults import Fault
from bot.segment.breaker import BreakerState, CircuitBreaker
from bot.segment.client import ProfileApiClient
from bot.segment.errors import ErrorKind, ProfileApiError
from bot.settings import Settings
from bot.slack.services import AppServices
from bot.wiring import build_profile_service, build_services, build_state
from tests.security.checks import (
    assert_acked,
    fresh,
    only_record,
    requests_per_call,
    timed_lookup,
)
from tests.support.harness import JANE, MEMBER, BotHarness, card_text, has_button

TOM = "tom.becker@example.org"
LIAM = "liam.obrien@example.com"


# -- 26: sustained outage and the circuit breaker -----------------------------------------------


class FakeClock:
    """The breaker's clock: moved on by the test instead of waiting 30 s."""

    def __init__(self) -> None:
        self.now = 10_000.0

    def __call__(self) -> float:
        return self.now


def services_with(breaker: CircuitBreaker) -> Callable[[Settings], AppServices]:
    """The real services, but with a ProfileApiClient that uses `breaker`."""

    def build(settings: Settings) -> AppServices:
        state = build_state(settings)
        client = ProfileApiClient(
            base_url=settings.segment_profile_api_url,
            space_id=settings.segment_space_id,
            token=settings.segment_access_token,
            budget=state.budget,
            breaker=breaker,
        )
        profiles = build_profile_service(settings, state=state, client=client)
        return build_services(settings, state=state, profiles=profiles)

    return build


def breaker_reaches(
    bot: BotHarness, breaker: CircuitBreaker, state: BreakerState, timeout: float = 1.5
) -> bool:
    """Whether `breaker` gets to `state` soon: a lookup's card can go out while its last timed-out
    calls are still being recorded."""
    try:
        bot.wait_until(lambda: breaker.state is state, timeout)
    except TimeoutError:
        return False
    return True


def test_s26_sustained_outage_opens_breaker_then_recovers(
    make_bot: Callable[..., BotHarness],
) -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(clock=clock)
    assert breaker.failure_threshold == 5
    bot = make_bot(
        env={"PROFILE_LOOKUP_DEADLINE_SECONDS": "0.5"}, services_factory=services_with(breaker)
    )
    bot.sandbox.add_fault(Fault(route="*", latency=3.0))  # every call times out
    emails = iter(f"email:outage{n}@example.com" for n in range(100))

    # Each lookup's four to six timed-out calls are one failure: four failed lookups leave the
    # breaker closed, the fifth in a row opens it.
    for failed in range(1, 6):
        card, _ = timed_lookup(bot, next(emails))
        assert "didn't answer in time" in card_text(card)
        if failed < 5:
            # Its calls may be recorded just after the card went out; they add at most one.
            bot.wait_until(lambda: breaker.failure_count >= failed)  # noqa: B023
            assert breaker.failure_count == failed and breaker.state is BreakerState.CLOSED
    assert breaker_reaches(bot, breaker, BreakerState.OPEN)
    assert bot.sandbox.request_count() >= 5 * 4
    assert bot.http.get("/healthz").json()["segment_breaker"] == "open"

    # Open: lookups fail fast, send nothing, and the card says the bot stopped calling Segment.
    mark = fresh(bot)
    bot.sandbox.add_fault(Fault(route="*", latency=3.0))
    card, elapsed = timed_lookup(bot, next(emails))
    assert "pausing calls to Segment" in card_text(card)
    assert elapsed < 1.5, elapsed  # ack + job + response_url post, no waiting on Segment
    only_record(mark, action="lookup", outcome="circuit_open")
    started = time.monotonic()
    with pytest.raises(ProfileApiError) as caught:
        bot.services.profiles.fetch_profile(Identifier("email", "direct@example.com"))
    assert time.monotonic() - started < 0.1
    assert caught.value.kind is ErrorKind.CIRCUIT_OPEN
    assert bot.sandbox.request_count() == 0

    # One probe per reset period: still failing, so it opens again after that one request.
    clock.now += breaker.reset_seconds
    timed_lookup(bot, next(emails))
    assert breaker_reaches(bot, breaker, BreakerState.OPEN)
    assert bot.sandbox.request_count() == 1

    # Segment is back: after the next reset period the bot recovers by itself.
    bot.sandbox.clear_faults()
    clock.now += breaker.reset_seconds
    for _ in range(5):  # the first lookups may land on the half-open breaker's single probe
        card, _ = timed_lookup(bot, f"email:{JANE}")
        if has_button(card, "profile_all_traits"):
            break
    assert "Jane Doe" in card_text(card)
    assert breaker_reaches(bot, breaker, BreakerState.CLOSED)
    assert bot.http.get("/healthz").json()["segment_breaker"] == "closed"


# -- 27: slow upstream --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        Fault(route="*", latency=10.0),  # 10 s before the headers
        Fault(route="*", mode="trickle", trickle_interval=10.0),  # headers, then nothing
        Fault(route="*", mode="trickle", trickle_interval=1.0),  # 1 byte per second
    ],
    ids=["slow_headers", "headers_then_hang", "one_byte_per_second"],
)
def test_s27_slow_upstream_times_out_at_the_deadline(
    make_bot: Callable[..., BotHarness], fault: Fault
) -> None:
    deadline = 1.5
    # The normal breaker: one timed-out lookup (four to six failed calls) is one failure, so it
    # stays closed and the follow-up lookup reaches Segment.
    bot = make_bot(env={"PROFILE_LOOKUP_DEADLINE_SECONDS": str(deadline)})
    bot.post_command("help")  # warm the access cache
    mark = fresh(bot)
    bot.sandbox.add_fault(fault)
    card, elapsed = timed_lookup(bot, f"email:{JANE}")  # the ack itself was fast (assert_acked)
    assert "didn't answer in time" in card_text(card)
    assert elapsed < deadline + 1.5, elapsed
    only_record(mark, action="lookup", outcome="timeout")
    # The worker is free again, and the next lookup does not wait behind the stuck ones.
    bot.settle(timeout=deadline + 1.5)
    assert bot.services.jobs.pending == 0
    bot.sandbox.clear_faults()
    card, elapsed = timed_lookup(bot, f"email:{TOM}")
    assert "Tom Becker" in card_text(card) and elapsed < 2.0
    assert bot.services.profiles.client.breaker.state is BreakerState.CLOSED


# -- 30: partial failure and herds --------------------------------------------------------------


HERD = [f"U0HERD{n:03d}" for n in range(50)]


def _add_herd(harness: BotHarness) -> None:
    # With PROFILE_ALLOW_ALL_USERS, users.info must place each person in the workspace.
    for user in HERD:
        harness.slack.add_user(user)


def test_s30_partial_failure_and_herd(make_bot: Callable[..., BotHarness]) -> None:
    bot = make_bot(
        env={"PROFILE_ALLOW_ALL_USERS": "true", "PROFILE_WORKER_THREADS": "64"},
        configure=_add_herd,
    )
    # /events fails while /traits works: the card shows the traits and says what is missing.
    mark = fresh(bot)
    bot.sandbox.add_fault(Fault(route="events", status=500))
    card, _ = timed_lookup(bot, f"email:{TOM}")
    assert "Tom Becker" in card_text(card) and "Recent events unavailable" in card_text(card)
    record = only_record(mark, action="lookup", outcome="partial")
    assert "traits" in record["sections"] and "events" not in record["sections"]

    # 50 people look the same customer up at once: one upstream call per route, 50 cards,
    # 50 audit records, each in the name of the person who asked.
    mark = fresh(bot)
    bot.sandbox.add_fault(Fault(route="*", latency=0.3))
    users = HERD

    def ask(user: str) -> dict[str, Any]:
        sent = bot.post_command(f"email:{JANE}", user=user)
        assert_acked(sent, bound=3.0)
        return bot.wait_response(sent.response_url, timeout=10)

    with concurrent.futures.ThreadPoolExecutor(len(users)) as pool:
        answers = list(pool.map(ask, users))
    assert all("Jane Doe" in card_text(card) for card in answers)
    calls = requests_per_call(bot)
    assert calls and set(calls.values()) == {1}, calls
    bot.settle()
    records = mark.new_records()
    assert len(records) == 50
    assert sorted(r["user_id"] for r in records) == users
    assert {r["outcome"] for r in records} == {"shown"}

    # Then the cache answers, still authorised and audited per person.
    mark = fresh(bot)
    timed_lookup(bot, f"email:{JANE}")
    assert bot.sandbox.request_count() == 0
    only_record(mark, action="lookup", outcome="shown", cached=True, user_id=MEMBER)
