"""The trait-class catalogue (fake clock), and how lookups use it against the sandbox."""

from __future__ import annotations

from collections.abc import Callable

from bot.sandbox.faults import Fault
from bot.sandbox.profile_api import ProfileApiSandbox
from bot.segment import models as m
from bot.segment.catalog import ClassAnswers, TraitClassCatalog
from bot.segment.errors import ErrorKind
from bot.segment.lookup import ProfileService
from tests.segment.conftest import ACME, CARLOS, JANE, forget

ServiceFactory = Callable[..., ProfileService]
JANE_AUDIENCES = {"high_value_user", "trial_expiring", "active_last_7_days"}
JANE_COMPUTED = {
    "lifetime_value",
    "last_order_at",
    "orders_count",
    "avg_order_value",
    "favorite_category",
}
CARLOS_AUDIENCES = {"sms_subscribers", "high_value_user"}
CARLOS_COMPUTED = {"lifetime_value", "orders_count"}


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_learns_all_three_classes_from_whole_answers() -> None:
    catalog = TraitClassCatalog(clock=FakeClock())
    assert catalog.is_empty("users")
    catalog.learn("users", ["aud", "comp", "plan"], ClassAnswers({"aud": True}, {"comp": 3}))
    assert not catalog.is_empty("users") and catalog.is_empty("accounts")
    assert catalog.unknown("users", ["aud", "comp", "plan", "new"]) == ["new"]
    split = catalog.split("users", {"aud": True, "comp": 3, "plan": "x"})
    assert (split.plain, split.audiences, split.computed) == (
        {"plan": "x"},
        {"aud": True},
        {"comp": 3},
    )
    assert not split.unsure_audiences and not split.unsure_computed


def test_plain_keys_are_not_learned_from_a_failed_or_cut_answer() -> None:
    catalog = TraitClassCatalog(clock=FakeClock())
    catalog.learn("users", ["aud", "plan"], ClassAnswers({"aud": True}, None))
    assert catalog.unknown("users", ["aud", "plan"]) == ["plan"]  # could be a computed trait
    catalog.learn("users", ["plan"], ClassAnswers({}, {}, complete=False))
    assert catalog.unknown("users", ["plan"]) == [
        "plan"
    ]  # "not listed" on a cut page proves nothing


def test_unclassifiable_key_marks_only_the_classes_it_might_belong_to() -> None:
    catalog = TraitClassCatalog(clock=FakeClock())
    split = catalog.split("users", {"mystery": 1}, ClassAnswers({}, None))
    assert split.plain == {"mystery": 1}
    assert split.unsure_computed and not split.unsure_audiences


def test_a_key_is_trusted_for_ttl_then_asked_about_again() -> None:
    clock = FakeClock()
    catalog = TraitClassCatalog(ttl=600, clock=clock)
    catalog.learn("users", ["plan"], ClassAnswers({}, {}))
    clock.now += 599
    assert catalog.unknown("users", ["plan"]) == []
    clock.now += 2
    assert catalog.unknown("users", ["plan"]) == ["plan"]
    assert catalog.is_empty("users")


def test_catalogue_is_bounded_forgetting_the_oldest_key() -> None:
    catalog = TraitClassCatalog(clock=FakeClock(), max_keys=2)
    catalog.learn("users", ["a"], ClassAnswers({}, {}))
    catalog.learn("users", ["b", "c"], ClassAnswers({}, {}))
    assert len(catalog) == 2 and catalog.unknown("users", ["a", "b", "c"]) == ["a"]


def test_lookup_with_failed_class_requests_says_so(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    sandbox.add_fault(Fault(route="traits", query={"class": "audience"}, status=503))
    profile = make_service().fetch_profile(CARLOS).profile
    assert profile.errors[m.SECTION_AUDIENCES].kind is ErrorKind.UPSTREAM
    assert m.SECTION_COMPUTED not in profile.errors  # its own answer arrived
    assert set(profile.computed_traits) == CARLOS_COMPUTED
    assert profile.traits  # the traits themselves are shown


def check_card(profile: m.Profile, audiences: set[str], computed: set[str]) -> None:
    assert set(profile.audiences) == audiences
    assert set(profile.computed_traits) == computed
    assert not set(profile.traits) & (audiences | computed)
    assert profile.errors == {}


def test_two_customers_in_either_order_each_get_their_own_classes(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    """Issue 10 §1: Jane then Carlos (and Carlos then Jane) in one process, each card right,
    and what the cache keeps is just as right."""
    for first, second in ((JANE, CARLOS), (CARLOS, JANE)):
        service = make_service()
        for _ in range(2):  # cold, then from the cache
            cards = {ident: service.fetch_profile(ident).profile for ident in (first, second)}
            check_card(cards[JANE], JANE_AUDIENCES, JANE_COMPUTED)
            check_card(cards[CARLOS], CARLOS_AUDIENCES, CARLOS_COMPUTED)


def test_unknown_key_costs_two_requests_known_keys_none(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    service = make_service()
    service.fetch_profile(JANE)  # catalogue empty: asks class= alongside the traits
    sandbox.clear_requests()
    service.fetch_profile(CARLOS)  # sms_subscribers, sms_opt_in, ... are new: asks
    users = [r for r in sandbox.requests() if r.collection == "users"]
    assert len(users) == 6
    assert sorted(r.query.get("class", "") for r in users if r.route == "traits") == [
        "",
        "audience",
        "computed_trait",
    ]
    forget(service, JANE, CARLOS)
    sandbox.clear_requests()
    service.fetch_profile(CARLOS)  # every key known now, plain ones included
    assert sandbox.request_count() == 4
    assert all("class" not in r.query for r in sandbox.requests())


def test_a_new_audience_in_the_space_is_asked_about(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    service = make_service()
    # The catalogue learned Jane's keys before `active_last_7_days` existed in the space.
    jane = service.fetch_profile(JANE).profile
    older = TraitClassCatalog()
    keys = [*jane.traits, *jane.audiences, *jane.computed_traits]
    keys.remove("active_last_7_days")
    audiences = dict.fromkeys(JANE_AUDIENCES - {"active_last_7_days"}, True)
    older.learn("users", keys, ClassAnswers(audiences, dict.fromkeys(JANE_COMPUTED, 1)))
    service.catalog = older
    forget(service, JANE)
    sandbox.clear_requests()
    profile = service.fetch_profile(JANE).profile
    check_card(profile, JANE_AUDIENCES, JANE_COMPUTED)
    assert sandbox.request_count() == 6 + 1  # + acme-corp's key traits
    assert older.unknown("users", ["active_last_7_days"]) == []


def test_account_lookup_classifies_its_own_keys(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    service = make_service()
    service.fetch_profile(JANE)  # the users' catalogue says nothing about account keys
    sandbox.clear_requests()
    profile = service.fetch_profile(ACME).profile
    assert {(r.collection, r.route, r.query.get("class")) for r in sandbox.requests()} == {
        ("accounts", "traits", None),
        ("accounts", "traits", "audience"),
        ("accounts", "traits", "computed_trait"),
        ("accounts", "links", None),  # the account's people (issue 13)
        ("users", "traits", None),  # each person's name, title and email
    }
    assert profile.traits["name"] == "Acme Corp"
    assert set(profile.audiences) == {"enterprise_accounts", "at_risk_accounts"}
    assert set(profile.computed_traits) == {"active_users_30d", "health_score"}
    assert profile.errors == {}


def test_a_failed_class_request_after_learning_is_said_not_guessed(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    """Before issue 10 a loaded catalogue silently showed Carlos's unknown audience as a trait."""
    service = make_service()
    service.fetch_profile(JANE)
    sandbox.add_fault(Fault(route="traits", query={"class": "audience"}, status=503))
    profile = service.fetch_profile(CARLOS).profile
    assert profile.errors[m.SECTION_AUDIENCES].kind is ErrorKind.UPSTREAM  # card says so
    assert set(profile.computed_traits) == CARLOS_COMPUTED  # its own answer arrived
    sandbox.clear_faults()
    forget(service, CARLOS)  # (a partial card is cached for seconds only)
    check_card(service.fetch_profile(CARLOS).profile, CARLOS_AUDIENCES, CARLOS_COMPUTED)
