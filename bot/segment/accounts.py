"""An account's linked people: which identifier stands for each, and the few traits shown.

`/links` on an account lists its users (at most 20, no cursor; profile-api.md §2.5, §5), each as
the external ids Segment holds for them. The card names each person from a handful of traits
fetched with `include=` (one request per person, so an account of N people costs 2 + N cold).
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

from bot.identifiers import ACCOUNT_ID_TYPE, Identifier
from bot.segment.client import ProfileApiClient
from bot.segment.errors import ErrorKind, ProfileApiError
from bot.segment.fanout import FanOut
from bot.segment.models import LinkedPerson, SectionError
from bot.segment.sections import drop_hidden
from bot.trait_policy import TraitPolicy

# Only these keys of a person are requested: the rest of their profile never leaves Segment.
PERSON_TRAITS: tuple[str, ...] = ("name", "first_name", "last_name", "email", "title")
MAX_LINKED_PEOPLE = 20  # Segment's documented cap for /links
MAX_ID_LENGTH = 500
# Which of a person's ids opens their card best: stable ones first; a type the link gives that
# is not listed here is used only when none of these is present.
PREFERRED_ID_TYPES = ("user_id", "email", "anonymous_id")
_ID_TYPE = re.compile(r"^[a-z][a-z0-9_.]{0,63}$")


def person_identifier(pairs: Iterable[tuple[str, str]]) -> tuple[str, str] | None:
    """The (type, value) to look one linked person up by, or None when no id is usable."""
    usable = [
        (kind, value)
        for kind, value in pairs
        if kind != ACCOUNT_ID_TYPE
        and _ID_TYPE.match(kind)
        and 0 < len(value) <= MAX_ID_LENGTH
        and value.strip() == value
    ]
    for preferred in PREFERRED_ID_TYPES:
        for kind, value in usable:
            if kind == preferred:
                return kind, value
    return usable[0] if usable else None


def linked_people(records: Iterable[Sequence[tuple[str, str]]]) -> list[tuple[str, str]]:
    """One identifier per linked person, in Segment's order, without repeats, at most 20."""
    found: dict[tuple[str, str], None] = {}
    for record in records:
        chosen = person_identifier(record)
        if chosen is not None:
            found.setdefault(chosen, None)
    return list(found)[:MAX_LINKED_PEOPLE]


def fetch_person(
    client: ProfileApiClient,
    policy: TraitPolicy,
    person: tuple[str, str],
    *,
    deadline: float,
    scope: Hashable,
) -> LinkedPerson:
    """One linked person's visible name, email and title (one `include=` request)."""
    id_type, value = person
    keys = policy.visible(PERSON_TRAITS)
    page = client.traits(
        Identifier(id_type, value),
        deadline=deadline,
        include=keys,
        limit=len(keys) or 1,
        scope=scope,
    )
    return LinkedPerson(id_type, value, traits=drop_hidden(page.traits, policy), fetched=True)


def person_or_failure(
    person: tuple[str, str], fetched: LinkedPerson | None, error: ProfileApiError | None
) -> LinkedPerson:
    """The fetched person, or the person by their identifier with the reason they are bare."""
    if fetched is not None:
        return fetched
    reason = error or ProfileApiError(ErrorKind.TIMEOUT, "no answer before the deadline")
    return LinkedPerson(person[0], person[1], fetched=True, error=SectionError.from_error(reason))


class PeopleFetch:
    """One account lookup's people: one `include=` request each on the lookup's fan-out (so
    under its deadline, breaker scope and request budget), read back in link order."""

    def __init__(self, client: ProfileApiClient, policy: TraitPolicy) -> None:
        self._client = client
        self._policy = policy
        self._people: list[tuple[str, str]] = []

    def submit(
        self, fan: FanOut, records: Iterable[Sequence[tuple[str, str]]], **common: Any
    ) -> None:
        """Start fetching everyone the account's `/links` records name."""
        for person in linked_people(records):
            name = f"person:{len(self._people)}"
            fan.submit(name, fetch_person, self._client, self._policy, person, **common)
            self._people.append(person)

    def collect(self, fan: FanOut) -> tuple[LinkedPerson, ...]:
        """Each person fetched, or by their identifier with the reason (a timeout if unfinished)."""
        return tuple(
            person_or_failure(person, *fan.outcome(f"person:{i}"))
            for i, person in enumerate(self._people)
        )


def audiences_switched_off(error: ProfileApiError | None) -> bool:
    """Whether a refused `class=audience` on an account (whose traits were read with the same
    token) means the space has no account audiences: a feature Segment switches on on request
    (profile-api.md §5). What Segment answers then is not documented; a 400, 403 or 404 is taken
    to mean "none", so the card shows no audience section instead of a warning on every card."""
    if error is None:
        return False
    if error.kind in (ErrorKind.INVALID_REQUEST, ErrorKind.NOT_FOUND):
        return True
    return error.kind is ErrorKind.UNAUTHORIZED and error.status == 403
