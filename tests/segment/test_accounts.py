"""Account lookups through ProfileService against the sandbox: traits, classes, linked people."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.identifiers import Identifier
from bot.sandbox.faults import Fault
from bot.sandbox.profile_api import ProfileApiSandbox
from bot.segment import models as m
from bot.segment.accounts import PERSON_TRAITS
from bot.segment.errors import ErrorKind
from bot.segment.lookup import ProfileService
from tests.segment.conftest import ACME, forget

ServiceFactory = Callable[..., ProfileService]
GLOBEX = Identifier("group_id", "globex")  # 24 people linked; Segment lists 20
VANDELAY = Identifier("group_id", "vandelay-industries")  # nobody linked
INITECH = Identifier("group_id", "initech")  # 3 people, no audiences


def test_account_profile_has_traits_classes_and_people(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    profile = make_service().fetch_profile(ACME).profile
    assert profile.errors == {}
    assert profile.traits["name"] == "Acme Corp" and "mrr" in profile.traits
    assert dict(profile.audiences) == {"enterprise_accounts": True, "at_risk_accounts": False}
    assert set(profile.computed_traits) == {"active_users_30d", "health_score"}
    assert not set(profile.traits) & (set(profile.audiences) | set(profile.computed_traits))
    assert profile.events == () and profile.external_ids == ()
    people = profile.people
    assert len(people) == 12
    assert (people[0].id_type, people[0].id_value) == ("user_id", "u_jane_001")  # link order
    assert people[0].traits == {
        "name": "Jane Doe",
        "first_name": "Jane",
        "last_name": "Doe",
        "email": "jane@example.com",
        "title": "VP of Operations",
    }
    assert all(p.fetched and p.error is None and p.traits.get("name") for p in people)
    # Accounts have only /traits and /links (plus class= while the catalogue is empty); each
    # person costs one include= request for exactly the keys the card shows.
    account_routes = [
        (r.route, r.query.get("class")) for r in sandbox.requests() if r.collection == "accounts"
    ]
    assert ("traits", None) in account_routes and ("links", None) in account_routes
    assert {r.route for r in sandbox.requests()} <= {"traits", "links"}
    person_requests = [r for r in sandbox.requests() if r.collection == "users"]
    assert len(person_requests) == 12
    assert all(set(r.query["include"].split(",")) == set(PERSON_TRAITS) for r in person_requests)


def test_cold_account_card_costs_two_plus_people_and_warm_costs_nothing(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    service = make_service()
    service.fetch_profile(ACME)  # the catalogue learns the accounts' trait classes
    forget(service, ACME)
    sandbox.clear_requests()
    cold = service.fetch_profile(ACME)
    assert not cold.cached
    assert sandbox.request_count() == 2 + len(cold.profile.people)
    assert set(cold.profile.audiences) == {"enterprise_accounts", "at_risk_accounts"}
    sandbox.clear_requests()
    warm = service.fetch_profile(ACME)
    assert warm.cached and warm.profile == cold.profile
    assert sandbox.request_count() == 0


def test_segment_lists_at_most_twenty_people(make_service: ServiceFactory) -> None:
    people = make_service().fetch_profile(GLOBEX).profile.people
    assert len(people) == 20
    assert len({p.id_value for p in people}) == 20
    assert all(p.traits.get("email") for p in people)


def test_account_with_nobody_linked(make_service: ServiceFactory) -> None:
    profile = make_service().fetch_profile(VANDELAY).profile
    assert profile.people == () and profile.errors == {}
    assert profile.traits["name"] == "Vandelay Industries"


def test_a_person_whose_traits_fail_is_kept_by_their_identifier(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    sandbox.add_fault(Fault(route="traits", segment="user_id:u_acme_003", status=500))
    profile = make_service().fetch_profile(ACME).profile
    failed = [p for p in profile.people if p.error is not None]
    assert [(p.id_type, p.id_value) for p in failed] == [("user_id", "u_acme_003")]
    assert failed[0].traits == {} and failed[0].error.kind is ErrorKind.UPSTREAM
    assert len([p for p in profile.people if p.traits]) == 11
    assert profile.errors == {}  # the account itself is whole


def test_links_that_fail_leave_the_account_with_a_people_error(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    sandbox.add_fault(Fault(route="links", collection="accounts", status=503))
    profile = make_service().fetch_profile(ACME).profile
    assert profile.people == ()
    assert profile.errors[m.SECTION_PEOPLE].kind is ErrorKind.UPSTREAM
    assert profile.traits["name"] == "Acme Corp"


def test_account_audiences_switched_off(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    sandbox.account_audiences = False
    profile = make_service().fetch_profile(ACME).profile
    assert profile.audiences == {}
    assert m.SECTION_AUDIENCES not in profile.errors and m.SECTION_COMPUTED not in profile.errors
    assert set(profile.computed_traits) == {"active_users_30d", "health_score"}
    assert "enterprise_accounts" not in profile.traits


def test_hidden_person_traits_are_never_requested(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    profile = make_service(PROFILE_HIDDEN_TRAITS="title").fetch_profile(INITECH).profile
    assert len(profile.people) == 3
    assert all("title" not in p.traits for p in profile.people)
    person_requests = [r for r in sandbox.requests() if r.collection == "users"]
    assert person_requests and all("title" not in r.query["include"] for r in person_requests)


def test_a_slow_person_does_not_hold_the_card_past_the_deadline(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    sandbox.add_fault(Fault(route="traits", segment="user_id:u_initech_001", latency=4.0))
    service = make_service(PROFILE_LOOKUP_DEADLINE_SECONDS="1")
    started = time.monotonic()
    profile = service.fetch_profile(INITECH).profile
    assert time.monotonic() - started < 3.5  # generous: the deadline is 1 s, the person 4 s
    slow = [p for p in profile.people if p.error is not None]
    assert [p.id_value for p in slow] == ["u_initech_001"]
    assert slow[0].error.kind is ErrorKind.TIMEOUT
    assert len([p for p in profile.people if p.traits]) == 2
