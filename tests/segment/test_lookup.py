"""Whole lookups through ProfileService against the sandbox: requests, sections, outcomes."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable

import pytest

from bot.sandbox.faults import Fault
from bot.sandbox.profile_api import ProfileApiSandbox
from bot.segment import models as m
from bot.segment.breaker import BreakerState
from bot.segment.errors import ErrorKind, ProfileApiError
from bot.segment.lookup import ProfileService
from bot.wiring import build_state
from tests.segment.conftest import (
    CARLOS,
    JANE,
    LIAM,
    MALLORY,
    NOBODY,
    PRIYA,
    TOM,
    deadline_in,
    forget,
    make_settings,
)

ServiceFactory = Callable[..., ProfileService]


def routes(sandbox: ProfileApiSandbox) -> list[tuple[str | None, str | None, str | None]]:
    return sorted(
        ((r.collection, r.route, r.query.get("class")) for r in sandbox.requests()),
        key=lambda t: tuple(x or "" for x in t),
    )


def fails(call: Callable[[], object]) -> ProfileApiError:
    with pytest.raises(ProfileApiError) as caught:
        call()
    return caught.value


def test_first_lookup_also_learns_trait_classes(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    service = make_service()
    result = service.fetch_profile(CARLOS)
    assert not result.cached
    assert routes(sandbox) == [
        ("users", "events", None),
        ("users", "external_ids", None),
        ("users", "links", None),
        ("users", "traits", None),
        ("users", "traits", "audience"),
        ("users", "traits", "computed_trait"),
    ]
    profile = result.profile
    assert set(profile.audiences) == {"sms_subscribers", "high_value_user"}
    assert {"lifetime_value", "orders_count"} <= set(profile.computed_traits)
    assert not set(profile.traits) & (set(profile.audiences) | set(profile.computed_traits))
    assert profile.errors == {}


def test_cold_card_is_four_requests_and_warm_is_zero(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    service = make_service()
    service.fetch_profile(CARLOS)  # teaches the catalogue Carlos's keys
    forget(service, CARLOS)
    sandbox.clear_requests()

    cold = service.fetch_profile(CARLOS)
    assert not cold.cached
    assert sandbox.request_count() == 4
    assert {r.route for r in sandbox.requests()} == {"traits", "events", "external_ids", "links"}
    assert set(cold.profile.audiences) == {"sms_subscribers", "high_value_user"}  # from catalogue

    sandbox.clear_requests()
    warm = service.fetch_profile(CARLOS)
    assert warm.cached and warm.profile == cold.profile
    assert sandbox.request_count() == 0


def test_linked_accounts_fetch_only_key_traits(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    service = make_service()
    profile = service.fetch_profile(JANE).profile
    (account,) = profile.accounts
    assert account.group_id == "acme-corp" and account.error is None
    assert account.traits["name"] == "Acme Corp"
    # Only the admin's key account traits (PROFILE_ACCOUNT_PINNED_TRAITS) are requested.
    assert "seats" not in account.traits and "country" not in account.traits
    assert {"plan", "industry", "mrr", "csm", "health_score"} <= set(account.traits)
    (request,) = [r for r in sandbox.requests() if r.collection == "accounts"]
    assert request.route == "traits" and "name" in request.query["include"].split(",")


def test_hidden_traits_are_dropped_everywhere(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    service = make_service(PROFILE_HIDDEN_TRAITS="city,coupon,mrr")
    profile = service.fetch_profile(MALLORY).profile
    everything = {*profile.traits, *profile.audiences, *profile.computed_traits}
    for key in ("password", "creditCard", "SSN", "Credit Card Number"):
        assert key not in everything
    jane = service.fetch_profile(JANE).profile
    assert "city" not in jane.traits
    assert all("coupon" not in e.properties for e in jane.events)
    assert "mrr" not in jane.accounts[0].traits
    account_request = next(r for r in sandbox.requests() if r.collection == "accounts")
    assert "mrr" not in account_request.query["include"].split(",")  # never even requested
    # The "All traits" modal pages through this same profile: nothing hidden reaches it either.


def test_events_newest_first_with_cursor(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    service = make_service(PROFILE_EVENTS_PAGE_SIZE="5")
    profile = service.fetch_profile(LIAM).profile
    assert len(profile.events) == 5 and profile.events_cursor
    stamps = [e.timestamp or "" for e in profile.events]
    assert stamps == sorted(stamps, reverse=True)
    following = service.fetch_events_page(LIAM, profile.events_cursor)
    assert len(following.events) == 5
    assert (following.events[0].timestamp or "") <= stamps[-1]


def test_traits_beyond_the_page_cap_are_marked_incomplete(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    service = make_service(PROFILE_MAX_TRAIT_PAGES="1")
    profile = service.fetch_profile(PRIYA).profile
    assert not profile.traits_complete
    page = service.client.traits(PRIYA, deadline=deadline_in(5))
    assert page.next_cursor
    rest = service.client.traits(PRIYA, deadline=deadline_in(5), cursor=page.next_cursor)
    assert rest.complete


def test_not_found_is_remembered(sandbox: ProfileApiSandbox, make_service: ServiceFactory) -> None:
    service = make_service()
    assert fails(lambda: service.fetch_profile(NOBODY)).kind is ErrorKind.NOT_FOUND
    sandbox.clear_requests()
    assert fails(lambda: service.fetch_profile(NOBODY)).kind is ErrorKind.NOT_FOUND
    assert sandbox.request_count() == 0


def test_partial_profile_when_events_fail(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    service = make_service()
    sandbox.add_fault(Fault(route="events", status=503))
    profile = service.fetch_profile(JANE).profile
    assert profile.is_partial
    assert set(profile.errors) == {m.SECTION_EVENTS}
    assert profile.errors[m.SECTION_EVENTS].kind is ErrorKind.UPSTREAM
    assert profile.traits["first_name"] == "Jane" and profile.accounts


def test_partial_profile_when_traits_fail_but_others_work(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    service = make_service()
    sandbox.add_fault(Fault(route="traits", collection="users", status=500))
    profile = service.fetch_profile(JANE).profile
    assert m.SECTION_TRAITS in profile.errors
    assert profile.events and profile.external_ids


def test_links_failure_is_the_accounts_section(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    sandbox.add_fault(Fault(route="links", mode="wrong_shape"))
    profile = make_service().fetch_profile(JANE).profile
    assert profile.errors[m.SECTION_ACCOUNTS].kind is ErrorKind.MALFORMED
    assert profile.accounts == ()


def test_account_failure_stays_with_the_account(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    sandbox.add_fault(Fault(route="traits", collection="accounts", status=404))
    profile = make_service().fetch_profile(JANE).profile
    (account,) = profile.accounts
    assert account.error is not None and account.error.kind is ErrorKind.NOT_FOUND
    assert profile.errors == {}


def test_every_section_failing_raises_the_traits_error(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    sandbox.add_fault(Fault(route="*", status=502))
    error = fails(lambda: make_service().fetch_profile(TOM))
    assert error.kind is ErrorKind.UPSTREAM and error.status == 502


def test_unauthorized_anywhere_raises(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    sandbox.add_fault(Fault(route="external_ids", status=403))
    assert fails(lambda: make_service().fetch_profile(JANE)).kind is ErrorKind.UNAUTHORIZED


def test_one_failing_lookup_does_not_open_the_breaker_five_in_a_row_do(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    service = make_service()
    breaker = service.client.breaker
    assert breaker.failure_threshold == 5
    sandbox.add_fault(Fault(route="*", status=503))
    assert fails(lambda: service.fetch_profile(TOM)).kind is ErrorKind.UPSTREAM
    # Six routes, each tried three times: all one lookup, so one failure toward the threshold.
    assert sandbox.request_count() == 18
    assert breaker.state is BreakerState.CLOSED and breaker.failure_count == 1

    sandbox.clear_faults()
    sandbox.add_fault(Fault(route="*", mode="truncated_json"))  # unreadable: not retried
    for n, ident in enumerate((CARLOS, LIAM, PRIYA), start=2):
        assert fails(lambda: service.fetch_profile(ident)).kind is ErrorKind.MALFORMED  # noqa: B023
        assert breaker.state is BreakerState.CLOSED and breaker.failure_count == n
    assert fails(lambda: service.fetch_profile(TOM)).kind is ErrorKind.MALFORMED
    assert breaker.state is BreakerState.OPEN  # the fifth failing lookup in a row

    sandbox.clear_requests()
    started = time.monotonic()
    assert fails(lambda: service.fetch_profile(JANE)).kind is ErrorKind.CIRCUIT_OPEN
    assert time.monotonic() - started < 0.1
    assert sandbox.request_count() == 0


def test_linked_account_failures_count_with_their_lookup(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    service = make_service()
    for route in ("traits", "events", "external_ids"):  # users and accounts; /links answers
        sandbox.add_fault(Fault(route=route, status=503))
    profile = service.fetch_profile(JANE).profile
    (account,) = profile.accounts
    assert account.error is not None and account.error.kind is ErrorKind.UPSTREAM
    assert {"traits", "events", "external_ids"} <= set(profile.errors)
    # The account call starts after /links succeeded, so at least it counted: once, for all.
    breaker = service.client.breaker
    assert breaker.state is BreakerState.CLOSED and breaker.failure_count == 1


def test_partial_results_are_cached_only_briefly(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    now = [1000.0]
    settings = make_settings(sandbox)
    state = build_state(settings)
    from bot.state.memory import MemoryProfileStore

    bundle = dataclasses.replace(state, profile_cache=MemoryProfileStore(100, timer=lambda: now[0]))
    service = make_service(state=bundle)
    sandbox.add_fault(Fault(route="events", status=503, times=3))
    assert service.fetch_profile(JANE).profile.is_partial
    assert service.fetch_profile(JANE).cached
    now[0] += 6  # past the 5 s partial TTL
    sandbox.clear_requests()
    fresh = service.fetch_profile(JANE)
    assert not fresh.cached and not fresh.profile.is_partial
    assert sandbox.request_count() >= 4
    assert service.fetch_profile(JANE).cached
    now[0] += 59
    assert service.fetch_profile(JANE).cached
    now[0] += 2  # past the 60 s positive TTL
    sandbox.clear_requests()
    assert not service.fetch_profile(JANE).cached
    assert sandbox.request_count() >= 4


def test_lookup_takes_about_as_long_as_the_slowest_route(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    service = make_service()
    service.fetch_profile(CARLOS)  # learn Carlos's trait classes first
    forget(service, CARLOS)
    sandbox.add_fault(Fault(route="*", latency=0.3))
    started = time.monotonic()
    service.fetch_profile(CARLOS)
    elapsed = time.monotonic() - started
    assert elapsed < 2 * 0.3  # serial calls would take 4 × 0.3 s
    # (A profile with a key the catalogue cannot place takes one more round trip: the class=
    # requests wait for the traits that show the key. bench/lookup_bench.py prints both.)


def test_lookup_deadline_bounds_a_slow_section(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    service = make_service(PROFILE_LOOKUP_DEADLINE_SECONDS="1")
    sandbox.add_fault(Fault(route="events", latency=5))
    started = time.monotonic()
    profile = service.fetch_profile(CARLOS).profile
    assert time.monotonic() - started < 1.5
    assert profile.errors[m.SECTION_EVENTS].kind is ErrorKind.TIMEOUT
    assert profile.traits


def test_concurrent_identical_lookups_share_one_fan_out(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    service = make_service()
    sandbox.add_fault(Fault(route="*", latency=0.3))
    barrier = threading.Barrier(20)
    results: list[object] = []

    def lookup() -> None:
        barrier.wait()
        results.append(service.fetch_profile(CARLOS))

    threads = [threading.Thread(target=lookup) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 20
    plain_traits = [r for r in sandbox.requests() if r.route == "traits" and "class" not in r.query]
    assert len(plain_traits) == 1
    assert sandbox.request_count() == 6  # one fan-out (with the first class= refresh)


def test_limiter_keeps_every_rolling_second_within_the_rate(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    sandbox.set_rate_limit(20)
    service = make_service(SEGMENT_RATE_LIMIT_RPS="20", PROFILE_LOOKUP_DEADLINE_SECONDS="20")
    idents = [CARLOS, LIAM, TOM, PRIYA, MALLORY, JANE]
    threads = [threading.Thread(target=service.fetch_profile, args=(i,)) for i in idents]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    arrivals = sorted(r.at for r in sandbox.requests())
    assert len(arrivals) > 20
    busiest = max(sum(1 for t in arrivals if s <= t < s + 1.0) for s in arrivals)
    assert busiest <= 20
    assert all(r.status != 429 for r in sandbox.requests())
