"""The space-wide trait-class catalogue (fake clock), and how lookups use it."""

from __future__ import annotations

from collections.abc import Callable

from bot.sandbox.faults import Fault
from bot.sandbox.profile_api import ProfileApiSandbox
from bot.segment import models as m
from bot.segment.catalog import UNKNOWN_REFRESH_INTERVAL, TraitClassCatalog
from bot.segment.errors import ErrorKind
from bot.segment.lookup import ProfileService
from tests.segment.conftest import ACME, CARLOS, JANE, forget


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_empty_catalogue_asks_every_time_until_loaded() -> None:
    catalog = TraitClassCatalog(clock=FakeClock())
    assert catalog.claim_refresh() and catalog.claim_refresh()
    catalog.learn(["aud"], ["comp"], ["aud", "comp", "plain"])
    assert catalog.loaded and not catalog.claim_refresh()
    plain, audiences, computed = catalog.split({"aud": True, "comp": 3, "plain": "x", "new": 1})
    assert plain == {"plain": "x", "new": 1}
    assert audiences == {"aud": True} and computed == {"comp": 3}


def test_stale_catalogue_is_refreshed_by_one_lookup_at_a_time() -> None:
    clock = FakeClock()
    catalog = TraitClassCatalog(ttl=600, clock=clock)
    catalog.learn(["aud"], [], ["aud"])
    clock.now += 599
    assert not catalog.claim_refresh()
    clock.now += 2
    assert catalog.claim_refresh()
    assert not catalog.claim_refresh()  # someone is already refreshing
    catalog.release()  # that refresh failed
    assert catalog.claim_refresh()


def test_unknown_keys_make_the_next_lookup_refresh() -> None:
    clock = FakeClock()
    catalog = TraitClassCatalog(clock=clock)
    catalog.learn(["aud"], ["comp"], ["aud", "comp", "name"])
    catalog.note_keys(["name", "aud"])
    clock.now += UNKNOWN_REFRESH_INTERVAL
    assert not catalog.claim_refresh()  # nothing unknown
    catalog.note_keys(["name", "brand_new_audience"])
    assert catalog.claim_refresh()
    catalog.learn(["brand_new_audience"], [], ["name", "brand_new_audience"])
    clock.now += UNKNOWN_REFRESH_INTERVAL
    assert not catalog.claim_refresh()


def test_lookup_with_failed_class_requests_and_no_catalogue_says_so(
    sandbox: ProfileApiSandbox, make_service: Callable[..., ProfileService]
) -> None:
    sandbox.add_fault(Fault(route="traits", query={"class": "audience"}, status=503))
    profile = make_service().fetch_profile(CARLOS).profile
    assert profile.errors[m.SECTION_AUDIENCES].kind is ErrorKind.UPSTREAM
    assert m.SECTION_COMPUTED in profile.errors
    assert profile.traits  # the traits themselves are shown


def test_catalogue_classifies_a_profile_seen_after_learning(
    sandbox: ProfileApiSandbox, make_service: Callable[..., ProfileService]
) -> None:
    service = make_service()
    service.fetch_profile(JANE)
    forget(service, JANE)
    sandbox.clear_requests()
    profile = service.fetch_profile(JANE).profile
    assert all("class" not in r.query for r in sandbox.requests())
    assert set(profile.audiences) == {"high_value_user", "trial_expiring", "active_last_7_days"}
    assert "lifetime_value" in profile.computed_traits


def test_account_lookup_fetches_only_traits(
    sandbox: ProfileApiSandbox, make_service: Callable[..., ProfileService]
) -> None:
    profile = make_service().fetch_profile(ACME).profile
    assert [(r.collection, r.route) for r in sandbox.requests()] == [("accounts", "traits")]
    assert profile.traits["name"] == "Acme Corp"
    assert profile.errors == {}
