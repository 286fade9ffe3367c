"""One customer lookup: cache, single-flight, then every route at once under one deadline."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from bot.identifiers import ACCOUNT_ID_TYPE, Identifier
from bot.segment import models as m
from bot.segment.accounts import PeopleFetch, audiences_switched_off
from bot.segment.catalog import (
    CLASS_REQUESTS,
    TraitClassCatalog,
    read_answers,
    unsure_section_errors,
)
from bot.segment.client import ProfileApiClient
from bot.segment.errors import ErrorKind, ProfileApiError
from bot.segment.fanout import FanOut
from bot.segment.ports import NotFoundEntry, ProfileStore, SingleFlight
from bot.segment.sections import (
    ACCOUNT_KEY_TRAITS,
    account_trait_keys,
    clean_events,
    clean_external_ids,
    drop_hidden,
    linked_account,
    usable_group_ids,
)
from bot.trait_policy import TraitPolicy

# A profile with a failed section is kept only briefly: long enough to absorb a burst of
# repeat lookups, short enough that "try again" soon fetches it afresh.
PARTIAL_TTL_SECONDS = 5.0
EXTERNAL_IDS_LIMIT = 25
_CORE_SECTIONS = ("traits", "events", "external_ids", "links")
# What a failed /links call means on the card: a person's accounts, or an account's people.
_LINKS_SECTION = {"users": m.SECTION_ACCOUNTS, "accounts": m.SECTION_PEOPLE}


@dataclass(frozen=True)
class FetchedProfile:
    """A profile and whether it came from the cache."""

    profile: m.Profile
    cached: bool


@dataclass(frozen=True)
class LookupOptions:
    """What a deployment configures about lookups (built from settings by bot.wiring)."""

    hash_key: str  # keys the HMAC that stands in for an identifier in cache keys
    policy: TraitPolicy
    deadline_seconds: float = 5.0
    cache_ttl_seconds: float = 60.0
    not_found_ttl_seconds: float = 15.0
    max_trait_pages: int = 5
    events_page_size: int = 10
    worker_threads: int = 32
    # A linked account's traits fetched for a person's card: the admin's account key traits.
    account_keys: tuple[str, ...] = ACCOUNT_KEY_TRAITS


class ProfileService:
    """Finds customers' profiles: the one entry point the Slack side uses."""

    def __init__(
        self,
        client: ProfileApiClient,
        options: LookupOptions,
        *,
        cache: ProfileStore,
        flight: SingleFlight,
        catalog: TraitClassCatalog | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.options = options
        self.cache = cache
        self.flight = flight
        self.catalog = catalog or TraitClassCatalog(clock=clock)
        self.policy = options.policy
        self._clock = clock
        self._wall_clock = wall_clock
        self._executor = ThreadPoolExecutor(
            max_workers=options.worker_threads, thread_name_prefix="profile-fetch"
        )

    def cache_key(self, ident: Identifier) -> str:
        """HMAC of the normalised identifier: the raw value never becomes a key."""
        message = f"{ident.collection}|{ident.type}|{ident.value}".encode()
        return hmac.new(self.options.hash_key.encode(), message, hashlib.sha256).hexdigest()

    def _deadline(self) -> float:
        return self._clock() + self.options.deadline_seconds

    def fetch_profile(self, ident: Identifier) -> FetchedProfile:
        """The profile (from cache when fresh), or ProfileApiError when no card can be made.

        Lowercase first, as Segment documents; when that finds nobody and the person typed
        capitals, once more exactly as typed (the profile's identifier then says so)."""
        try:
            return self._fetch_form(ident)
        except ProfileApiError as error:
            exact = ident.exact_form()
            if error.kind is not ErrorKind.NOT_FOUND or exact is None:
                raise
            return self._fetch_form(exact)

    def _fetch_form(self, ident: Identifier) -> FetchedProfile:
        key = self.cache_key(ident)
        entry = self.cache.get(key)
        if isinstance(entry, NotFoundEntry):
            raise ProfileApiError(ErrorKind.NOT_FOUND, "no profile (remembered)")
        if entry is not None:
            return FetchedProfile(entry, cached=True)
        deadline = self._deadline()
        try:
            profile = self.flight.do(key, lambda: self._load(ident, key, deadline), deadline)
        except TimeoutError:
            raise ProfileApiError(ErrorKind.TIMEOUT, "lookup did not finish in time") from None
        return FetchedProfile(profile, cached=False)

    def fetch_events_page(self, ident: Identifier, cursor: str | None) -> m.EventsPage:
        """One more page of events (for the card's "More events" button)."""
        page = self.client.events(
            ident, deadline=self._deadline(), limit=self.options.events_page_size, cursor=cursor
        )
        return clean_events(page, self.policy)

    def close(self) -> None:
        """Stop the worker pool and close upstream connections."""
        self._executor.shutdown(wait=False, cancel_futures=True)
        self.client.close()

    def _load(self, ident: Identifier, key: str, deadline: float) -> m.Profile:
        fan = FanOut(self._executor, deadline, self._clock)
        c = self.client
        # Every call of this lookup shares one breaker scope: one slow or broken profile is one
        # failure toward the threshold, however many of its calls fail.
        common = {"deadline": deadline, "scope": object()}
        # verbose=true: each trait's source and update time, in the same requests.
        fan.submit(
            "traits",
            c.all_traits,
            ident,
            max_pages=self.options.max_trait_pages,
            verbose=True,
            **common,
        )
        if ident.collection == "users":
            # events/external_ids/links are documented for users only.
            fan.submit("events", c.events, ident, limit=self.options.events_page_size, **common)
            fan.submit("external_ids", c.external_ids, ident, limit=EXTERNAL_IDS_LIMIT, **common)
            fan.submit("links", c.links, ident, **common)
        else:
            # An account's own documented routes: /traits (above) and /links (its people).
            fan.submit("links", c.link_records, ident, **common)
        # Trait classes: asked at once while the catalogue knows nothing (they will be needed),
        # else only when the traits hold a key the catalogue cannot place (see catalog.py).
        # Accounts too, in their own part of the catalogue: Segment documents `class=` on the
        # traits route without naming a collection, so its answer for accounts is assumed to be
        # the same; if Segment refused it, the card would say the classes could not be read
        # (except a refused class=audience on an account: accounts.audiences_switched_off).
        asked = self.catalog.is_empty(ident.collection)
        if asked:
            self._ask_classes(fan, ident, common)
        accounts: list[str] = []
        people = PeopleFetch(c, self.policy)
        while names := fan.next_done():
            if "traits" in names:
                page, error = fan.outcome("traits")
                if _kind(error) is ErrorKind.NOT_FOUND:
                    fan.abort()
                elif page is not None and not asked:
                    visible = drop_hidden(page.traits, self.policy)
                    if self.catalog.unknown(ident.collection, visible):
                        self._ask_classes(fan, ident, common)
                        asked = True
            if "links" in names and ident.collection == "users":
                group_ids, _ = fan.outcome("links")
                for group_id in usable_group_ids(group_ids or ()):
                    fan.submit(f"account:{group_id}", self._account, group_id, **common)
                    accounts.append(group_id)
            elif "links" in names:  # an account's people
                people.submit(fan, fan.outcome("links")[0] or (), **common)
        try:
            profile = self._assemble(ident, fan, accounts)
            if ident.collection == "accounts":
                profile = replace(profile, people=people.collect(fan))
        except ProfileApiError as error:
            if error.kind is ErrorKind.NOT_FOUND:
                found = NotFoundEntry(fetched_at=self._wall_clock())
                self.cache.put(key, found, self.options.not_found_ttl_seconds)
            raise
        ttl = self.options.cache_ttl_seconds
        bare = profile.errors or any(p.error for p in profile.people)
        self.cache.put(key, profile, min(ttl, PARTIAL_TTL_SECONDS) if bare else ttl)
        return profile

    def _ask_classes(self, fan: FanOut, ident: Identifier, common: dict[str, Any]) -> None:
        # One page of the most Segment returns: a profile in more than 200 audiences is read
        # as incomplete, and then nothing is learned as plain from it (catalog.learn).
        for name, trait_class in CLASS_REQUESTS:
            fan.submit(name, self.client.traits, ident, trait_class=trait_class, **common)

    def _account(self, group_id: str, *, deadline: float, scope: Hashable) -> m.LinkedAccount:
        account = Identifier(ACCOUNT_ID_TYPE, group_id)
        keys = account_trait_keys(self.policy, self.options.account_keys)
        page = self.client.traits(
            account, deadline=deadline, include=keys, limit=len(keys) or 1, scope=scope
        )
        return m.LinkedAccount(group_id, traits=drop_hidden(page.traits, self.policy))

    def _assemble(self, ident: Identifier, fan: FanOut, accounts: list[str]) -> m.Profile:
        results: dict[str, Any] = {}
        errors: dict[str, ProfileApiError] = {}
        for name in fan.names():
            value, error = fan.outcome(name)
            if error is None:
                results[name] = value
            else:
                errors[name] = error
        if ident.collection == "accounts" and audiences_switched_off(errors.get("audience")):
            del errors["audience"]  # no account audiences in this space: an empty answer
            results["audience"] = m.TraitsPage(traits={}, complete=True)
        traits_error = errors.get("traits")
        if traits_error is not None and traits_error.kind is ErrorKind.NOT_FOUND:
            raise traits_error
        for error in errors.values():
            if error.kind is ErrorKind.UNAUTHORIZED:
                raise error
        core = [n for n in _CORE_SECTIONS if n in fan.names()]
        if traits_error is not None and (
            traits_error.kind is ErrorKind.CIRCUIT_OPEN or all(n in errors for n in core)
        ):
            raise traits_error
        section_errors = {
            (_LINKS_SECTION[ident.collection] if n == "links" else n): m.SectionError.from_error(e)
            for n, e in errors.items()
            if n in core
        }
        traits_page = results.get("traits") or m.TraitsPage(traits={}, complete=True)
        visible = drop_hidden(traits_page.traits, self.policy)
        answers = read_answers(results) if "audience" in fan.names() else None
        if answers is not None and "traits" in results:  # learned against the profile's keys
            self.catalog.learn(ident.collection, visible, answers)
        split = self.catalog.split(ident.collection, visible, answers)
        section_errors.update(unsure_section_errors(split, errors))
        events = clean_events(results.get("events") or m.EventsPage((), None), self.policy)
        return m.Profile(
            identifier=ident,
            fetched_at=self._wall_clock(),
            traits=split.plain,
            traits_complete=traits_page.complete,
            audiences=split.audiences,
            computed_traits=split.computed,
            external_ids=clean_external_ids(results.get("external_ids") or (), self.policy),
            events=events.events,
            events_cursor=events.next_cursor,
            accounts=tuple(
                linked_account(g, results.get(f"account:{g}"), errors.get(f"account:{g}"))
                for g in accounts
            ),
            errors=section_errors,
            trait_sources={k: v for k, v in traits_page.sources.items() if k in visible},
        )


def _kind(error: ProfileApiError | None) -> ErrorKind | None:
    return None if error is None else error.kind
