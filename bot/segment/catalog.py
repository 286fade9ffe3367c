"""Which trait keys are audiences, computed traits or plain traits, learned from `class=` answers.

Segment returns audiences and computed traits inside plain `/traits`; only `?class=audience`
and `?class=computed_trait` tell them apart, and they list only the keys of the ONE profile
asked about. So the catalogue remembers every key it has been told about, plain ones included
(a plain key must not force two extra requests on every later lookup), and a lookup asks
`class=` whenever its profile holds a key the catalogue cannot place: every card is classified
from answers about keys Segment has classified, never from a guess. A cold card so costs 4
requests when every key is known and 6 when one is not (a new audience appearing in the space
is simply an unknown key).

Each key is trusted for `ttl` seconds after it was last learned, then asked about again, so a
key that changes class (an audience deleted and a computed trait created under its name) is
noticed within `ttl`. The catalogue is per process: with several processes (Redis) each learns
on its own and each stays correct; only the number of 6-request lookups grows.

Assumption (not documented by Segment): one key has one class in a space. A plain identify
trait that shares its key with an audience would take the audience's class on every card.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from bot.segment.errors import ErrorKind, ProfileApiError
from bot.segment.models import SECTION_AUDIENCES, SECTION_COMPUTED, SectionError, TraitsPage

DEFAULT_CATALOG_TTL = 3600.0
MAX_KEYS = 20_000  # per process; the least recently learned key is forgotten first
PLAIN, AUDIENCE, COMPUTED = "plain", "audience", "computed_trait"
# (fan-out name, `class=` value) of the two requests that classify one profile's keys.
CLASS_REQUESTS = (("audience", AUDIENCE), ("computed", COMPUTED))


@dataclass(frozen=True)
class ClassAnswers:
    """What one lookup's own `class=` requests said; None for a request that failed."""

    audiences: Mapping[str, Any] | None
    computed: Mapping[str, Any] | None
    complete: bool = True  # False when a `class=` answer had more pages than were read


@dataclass(frozen=True)
class Split:
    """A profile's traits by class; `unsure` holds keys that could not be classified."""

    plain: dict[str, Any] = field(default_factory=dict)
    audiences: dict[str, Any] = field(default_factory=dict)
    computed: dict[str, Any] = field(default_factory=dict)
    unsure_audiences: bool = False
    unsure_computed: bool = False


class TraitClassCatalog:
    """Known trait classes per collection (thread-safe, bounded, each key trusted for `ttl`)."""

    def __init__(
        self,
        *,
        ttl: float = DEFAULT_CATALOG_TTL,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_KEYS,
    ) -> None:
        self.ttl = ttl
        self._clock = clock
        self._max_keys = max_keys
        self._lock = threading.Lock()
        self._classes: OrderedDict[tuple[str, str], tuple[str, float]] = OrderedDict()
        self._last_learned: dict[str, float] = {}  # collection → when it last learned a key

    def __len__(self) -> int:
        with self._lock:
            return len(self._classes)

    def _known(self, collection: str, key: str, now: float) -> str | None:
        found = self._classes.get((collection, key))
        if found is None or now - found[1] >= self.ttl:
            return None
        return found[0]

    def is_empty(self, collection: str) -> bool:
        """True while nothing is known for `collection` (a lookup may then ask `class=` at once,
        without waiting to see the traits first)."""
        with self._lock:
            last = self._last_learned.get(collection)
            return last is None or self._clock() - last >= self.ttl

    def unknown(self, collection: str, keys: Iterable[str]) -> list[str]:
        """The keys whose class is not known (never learned, or learned over `ttl` ago)."""
        with self._lock:
            now = self._clock()
            return [k for k in keys if self._known(collection, k, now) is None]

    def learn(self, collection: str, keys: Iterable[str], answers: ClassAnswers) -> None:
        """Remember what `class=` said about one profile whose traits had `keys`. Plain keys are
        learned only when both answers arrived whole: otherwise "not listed" proves nothing."""
        learned: dict[str, str] = {}
        if answers.audiences is not None:
            learned.update(dict.fromkeys(answers.audiences, AUDIENCE))
        if answers.computed is not None:
            learned.update(dict.fromkeys(answers.computed, COMPUTED))
        if answers.audiences is not None and answers.computed is not None and answers.complete:
            for key in keys:
                learned.setdefault(key, PLAIN)
        with self._lock:
            now = self._clock()
            if learned:
                self._last_learned[collection] = now
            for key, trait_class in learned.items():
                self._classes[(collection, key)] = (trait_class, now)
                self._classes.move_to_end((collection, key))
            while len(self._classes) > self._max_keys:
                self._classes.popitem(last=False)

    def split(
        self, collection: str, traits: Mapping[str, Any], answers: ClassAnswers | None = None
    ) -> Split:
        """`traits` by class: this lookup's own answers first, then the catalogue. A key known
        to neither is shown as a plain trait and marks the class(es) it might belong to as
        unsure (only when a `class=` request failed or was cut: the card then says so)."""
        own = answers or ClassAnswers(None, None)
        own_audiences = own.audiences or {}
        own_computed = own.computed or {}
        whole = own.audiences is not None and own.computed is not None and own.complete
        with self._lock:
            now = self._clock()
            known = {k: self._known(collection, k, now) for k in traits}
        result = Split()
        unsure_audiences = unsure_computed = False
        for key, value in traits.items():
            if key in own_audiences:
                trait_class: str | None = AUDIENCE
            elif key in own_computed:
                trait_class = COMPUTED
            else:
                trait_class = known[key] or (PLAIN if whole else None)
            if trait_class == AUDIENCE:
                result.audiences[key] = value
            elif trait_class == COMPUTED:
                result.computed[key] = value
            else:
                result.plain[key] = value
            if trait_class is None:
                unsure_audiences |= own.audiences is None or not own.complete
                unsure_computed |= own.computed is None or not own.complete
        return replace(result, unsure_audiences=unsure_audiences, unsure_computed=unsure_computed)


def read_answers(results: Mapping[str, Any]) -> ClassAnswers:
    """A lookup's `class=` answers from its fan-out results (a failed request is absent)."""
    audience: TraitsPage | None = results.get("audience")
    computed: TraitsPage | None = results.get("computed")
    return ClassAnswers(
        audiences=None if audience is None else audience.traits,
        computed=None if computed is None else computed.traits,
        complete=all(page is None or page.complete for page in (audience, computed)),
    )


def unsure_section_errors(
    split: Split, errors: Mapping[str, ProfileApiError]
) -> dict[str, SectionError]:
    """Section errors for the classes a key might belong to but nobody could confirm, so the
    card says "audiences unavailable" instead of showing a guess."""
    found: dict[str, SectionError] = {}
    for section, unsure, request in (
        (SECTION_AUDIENCES, split.unsure_audiences, "audience"),
        (SECTION_COMPUTED, split.unsure_computed, "computed"),
    ):
        if unsure:
            reason = errors.get(request) or ProfileApiError(
                ErrorKind.UPSTREAM, "trait classes could not all be read"
            )
            found[section] = SectionError.from_error(reason)
    return found
