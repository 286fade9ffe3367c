"""A typed client for the Segment Profile API routes, on one pooled, locked-down httpx.Client."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import httpx

from bot.identifiers import Identifier, profile_path
from bot.segment.body import ACCEPT_ENCODING
from bot.segment.breaker import CircuitBreaker
from bot.segment.errors import ErrorKind, ProfileApiError
from bot.segment.log_filter import install_http_log_redaction
from bot.segment.models import EventsPage, ExternalId, TraitSource, TraitsPage
from bot.segment.parse import (
    parse_events_page,
    parse_external_ids,
    parse_link_records,
    parse_links,
    parse_metadata,
    parse_traits_page,
)
from bot.segment.ports import RequestBudget
from bot.segment.request import CoolDown, ProfileRequester

DEFAULT_TIMEOUT = httpx.Timeout(connect=1.0, read=2.0, write=2.0, pool=1.0)
MAX_TRAITS_LIMIT = 200  # Segment: default 10, "up to 200 with ?limit=200"
MAX_LIST_LIMIT = 100  # generic `limit` range documented as 1..100
LINKS_LIMIT = 20  # /links returns at most 20 records
TRAIT_CLASSES = frozenset({"audience", "computed_trait"})
USER_AGENT = "profile-bot/0.1"
T = TypeVar("T")


def _parse_verbose_traits(doc: Any) -> TraitsPage:
    return parse_traits_page(doc, verbose=True)


def _clamp(value: int, high: int) -> int:
    return max(1, min(int(value), high))


def _check_path(path: str, space_id: str) -> None:
    """Refuse any path but /v1/spaces/<space>/collections/<c>/profiles/<segment>/<route>."""
    parts = path.split("/")
    ok = (
        len(parts) == 9
        and parts[:3] == ["", "v1", "spaces"]
        and parts[3] == quote(space_id, safe="")
        and parts[4] == "collections"
        and parts[6] == "profiles"
        and all(p not in ("", ".", "..") for p in parts[1:])
    )
    if not ok:
        raise ProfileApiError(ErrorKind.INVALID_REQUEST, "identifier does not fit in a path")


class ProfileApiClient:
    """Profile API routes as methods; every failure is a ProfileApiError (see errors.py).

    `deadline` arguments are `time.monotonic()` values covering retries and waiting. `scope`
    names the unit of work a call belongs to (one lookup): the circuit breaker counts failed
    calls sharing a scope as one failure; calls without a scope count one each.
    """

    def __init__(
        self,
        *,
        base_url: str,
        space_id: str,
        token: str,
        transport: httpx.BaseTransport | None = None,
        budget: RequestBudget | None = None,
        breaker: CircuitBreaker | None = None,
        timeout: httpx.Timeout | None = None,
        max_retries: int = 2,
        max_body_bytes: int = 1_000_000,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
        cool_down: CoolDown | None = None,
        event_hooks: Mapping[str, list[Callable[..., Any]]] | None = None,
    ) -> None:
        install_http_log_redaction()
        self.space_id = space_id
        self._count_lock = threading.Lock()
        self._request_count = 0
        # Cookies are refused: nothing a server sets should ride along on later lookups.
        no_cookies = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
        self._http = httpx.Client(
            base_url=base_url,
            transport=transport,
            auth=httpx.BasicAuth(token, ""),  # token as username, EMPTY password (not None)
            follow_redirects=False,  # a redirect must never carry the token elsewhere
            trust_env=False,  # no proxies or .netrc from the environment
            timeout=timeout or DEFAULT_TIMEOUT,
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=32),
            cookies=no_cookies,
            headers={
                "Accept": "application/json",
                "Accept-Encoding": ACCEPT_ENCODING,
                "User-Agent": USER_AGENT,
            },
            event_hooks=dict(event_hooks or {}),
        )
        self.breaker = breaker or CircuitBreaker(clock=clock)
        self._requester = ProfileRequester(
            self._http,
            budget=budget,
            breaker=self.breaker,
            cool_down=cool_down or CoolDown(clock),
            timeout=timeout or DEFAULT_TIMEOUT,
            max_retries=max_retries,
            max_body_bytes=max_body_bytes,
            clock=clock,
            sleep=sleep,
            rng=rng,
            on_send=self._count,
        )

    @property
    def request_count(self) -> int:
        """HTTP requests sent upstream so far (retries included)."""
        with self._count_lock:
            return self._request_count

    def _count(self) -> None:
        with self._count_lock:
            self._request_count += 1

    def _get(
        self,
        ident: Identifier,
        route: str,
        params: Mapping[str, str | int],
        deadline: float,
        parse: Callable[[Any], T],
        scope: Hashable | None,
    ) -> T:
        path = profile_path(self.space_id, ident, route)
        _check_path(path, self.space_id)
        # Commas stay literal in the query (`include=a,b`), as Segment's docs write them.
        query = urlencode({k: str(v) for k, v in params.items()}, safe=",", quote_via=quote)
        url = httpx.URL(path, query=query.encode("ascii"))
        return self._requester.get_json(url, deadline, parse, scope=scope)

    def traits(
        self,
        ident: Identifier,
        *,
        deadline: float,
        limit: int = MAX_TRAITS_LIMIT,
        cursor: str | None = None,
        include: Sequence[str] | None = None,
        trait_class: str | None = None,
        verbose: bool = False,
        scope: Hashable | None = None,
    ) -> TraitsPage:
        """One page of traits (`include` restricts keys; `trait_class` audience/computed_trait)."""
        params: dict[str, str | int] = {"limit": _clamp(limit, MAX_TRAITS_LIMIT)}
        if cursor:
            params["next"] = cursor
        if include is not None:
            keys = [k for k in include if k and "," not in k]
            if not keys:  # nothing to ask for: no request at all
                return TraitsPage(traits={}, complete=True)
            params["include"] = ",".join(keys)
        if trait_class is not None:
            if trait_class not in TRAIT_CLASSES:
                raise ValueError("trait_class must be 'audience' or 'computed_trait'")
            params["class"] = trait_class
        if verbose:
            params["verbose"] = "true"
            return self._get(ident, "traits", params, deadline, _parse_verbose_traits, scope)
        return self._get(ident, "traits", params, deadline, parse_traits_page, scope)

    def all_traits(
        self,
        ident: Identifier,
        *,
        deadline: float,
        max_pages: int,
        include: Sequence[str] | None = None,
        trait_class: str | None = None,
        verbose: bool = False,
        scope: Hashable | None = None,
    ) -> TraitsPage:
        """Traits over up to `max_pages` pages of 200; `complete` is False when pages remain.
        With `verbose`, each trait's source and update time come along (same requests)."""
        merged: dict[str, Any] = {}
        sources: dict[str, TraitSource] = {}
        cursor: str | None = None
        seen: set[str] = set()
        for _ in range(max(1, max_pages)):
            page = self.traits(
                ident,
                deadline=deadline,
                cursor=cursor,
                include=include,
                trait_class=trait_class,
                verbose=verbose,
                scope=scope,
            )
            merged.update(page.traits)
            sources.update(page.sources)
            if page.complete:
                return TraitsPage(traits=merged, complete=True, sources=sources)
            cursor = page.next_cursor
            if cursor is None or cursor in seen:  # has_more without a usable cursor: stop
                return TraitsPage(traits=merged, complete=False, sources=sources)
            seen.add(cursor)
        return TraitsPage(traits=merged, complete=False, next_cursor=cursor, sources=sources)

    def events(
        self,
        ident: Identifier,
        *,
        deadline: float,
        limit: int = 10,
        cursor: str | None = None,
        sort: str = "desc",
        start: str | None = None,
        end: str | None = None,
        scope: Hashable | None = None,
    ) -> EventsPage:
        """One page of events (newest first by default; `start`/`end` are ISO 8601)."""
        if sort not in ("asc", "desc"):
            raise ValueError("sort must be 'asc' or 'desc'")
        params: dict[str, str | int] = {"limit": _clamp(limit, MAX_LIST_LIMIT), "sort": sort}
        if cursor:
            params["next"] = cursor
        if start:
            params["start"] = start
        if end:
            params["end"] = end
        return self._get(ident, "events", params, deadline, parse_events_page, scope)

    def external_ids(
        self,
        ident: Identifier,
        *,
        deadline: float,
        limit: int = 25,
        scope: Hashable | None = None,
    ) -> list[ExternalId]:
        """The identifiers Segment knows this profile by (first page)."""
        params = {"limit": _clamp(limit, MAX_LIST_LIMIT)}
        return self._get(ident, "external_ids", params, deadline, parse_external_ids, scope)

    def links(
        self, ident: Identifier, *, deadline: float, scope: Hashable | None = None
    ) -> list[str]:
        """Linked group_ids for a user, or linked user_ids for an account (at most 20)."""
        want = "group_id" if ident.collection == "users" else "user_id"
        return self._get(
            ident,
            "links",
            {"limit": LINKS_LIMIT},
            deadline,
            lambda doc: parse_links(doc, want),
            scope,
        )

    def link_records(
        self, ident: Identifier, *, deadline: float, scope: Hashable | None = None
    ) -> list[tuple[tuple[str, str], ...]]:
        """Every linked profile's (type, id) pairs, in Segment's order (at most 20 links)."""
        params = {"limit": LINKS_LIMIT}
        return self._get(ident, "links", params, deadline, parse_link_records, scope)

    def metadata(
        self, ident: Identifier, *, deadline: float, scope: Hashable | None = None
    ) -> dict[str, Any]:
        """Profile metadata (created_at, updated_at, …)."""
        return self._get(ident, "metadata", {}, deadline, parse_metadata, scope)

    def close(self) -> None:
        """Close the pooled connections."""
        self._http.close()
