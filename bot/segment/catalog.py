"""Which trait keys are audiences or computed traits, learned space-wide from `class=` lookups.

Segment returns audiences and computed traits inside plain `/traits`; only `?class=audience`
and `?class=computed_trait` tell them apart. Asking both for every lookup would make a cold
card cost 6 requests instead of 4, so the keys are learned once and kept for a while.
Trade-off: an audience or computed trait created after the last refresh shows as a plain
trait until the catalogue is refreshed (at most `ttl` seconds later). `class=` only lists
the audiences one profile belongs to, so the catalogue also remembers keys known to be plain:
a lookup that meets a key in none of the three sets (shown as plain for now) makes the NEXT
cold lookup refresh, at most once per `UNKNOWN_REFRESH_INTERVAL`. The catalogue so converges
on the space's key set and cold cards settle at 4 requests. Keys are only ever added (a
deleted audience's key is harmless), up to a bound.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

DEFAULT_CATALOG_TTL = 600.0
MAX_KEYS = 20_000
# A refresh claimed but never finished (its lookup died) is given up after this long.
CLAIM_TIMEOUT = 30.0
UNKNOWN_REFRESH_INTERVAL = 5.0


class TraitClassCatalog:
    """Known audience keys and computed-trait keys for the space (thread-safe)."""

    def __init__(
        self, *, ttl: float = DEFAULT_CATALOG_TTL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._audiences: set[str] = set()
        self._computed: set[str] = set()
        self._plain: set[str] = set()
        self._unknown_seen = False
        self._refreshed_at: float | None = None
        self._claimed_at: float | None = None

    @property
    def loaded(self) -> bool:
        """True once at least one refresh has succeeded."""
        with self._lock:
            return self._refreshed_at is not None

    def claim_refresh(self) -> bool:
        """Should this lookup add the two `class=` requests? Always while never loaded (each
        lookup needs them to classify correctly); once stale, only one lookup at a time."""
        with self._lock:
            now = self._clock()
            if self._refreshed_at is None:
                self._claimed_at = now
                return True
            age = now - self._refreshed_at
            if age < self.ttl and not (self._unknown_seen and age >= UNKNOWN_REFRESH_INTERVAL):
                return False
            if self._claimed_at is not None and now - self._claimed_at < CLAIM_TIMEOUT:
                return False
            self._claimed_at = now
            return True

    def release(self) -> None:
        """Give up a claimed refresh that failed, so another lookup may try."""
        with self._lock:
            self._claimed_at = None

    def learn(
        self, audiences: Iterable[str], computed: Iterable[str], all_keys: Iterable[str] = ()
    ) -> None:
        """Add the keys one profile's `class=` answers named (and, from `all_keys`, its plain
        ones), and mark the catalogue fresh."""
        audience_set, computed_set = set(audiences), set(computed)
        plain = set(all_keys) - audience_set - computed_set
        with self._lock:
            for target, keys in (
                (self._audiences, audience_set),
                (self._computed, computed_set),
                (self._plain, plain),
            ):
                for key in keys:
                    if len(target) >= MAX_KEYS:
                        break
                    target.add(key)
            self._refreshed_at = self._clock()
            self._claimed_at = None
            self._unknown_seen = False

    def note_keys(self, keys: Iterable[str]) -> None:
        """Remember whether a profile had keys the catalogue cannot place (see module doc)."""
        with self._lock:
            known = (self._audiences, self._computed, self._plain)
            if any(all(key not in s for s in known) for key in keys):
                self._unknown_seen = True

    def absorb(
        self,
        refreshing: bool,
        *,
        traits: Mapping[str, Any] | None,
        audiences: Mapping[str, Any] | None,
        computed: Mapping[str, Any] | None,
    ) -> tuple[list[str], list[str], bool]:
        """Take in one lookup's answers: (audience keys, computed keys) it learned itself, and
        whether its `class=` requests failed while the catalogue knows nothing yet."""
        if not refreshing:
            if traits is not None:
                self.note_keys(traits)
            return [], [], False
        if audiences is not None and computed is not None:
            self.learn(audiences, computed, traits or ())
            return list(audiences), list(computed), False
        self.release()
        return list(audiences or ()), list(computed or ()), not self.loaded

    def split(
        self,
        traits: Mapping[str, Any],
        *,
        audiences: Iterable[str] = (),
        computed: Iterable[str] = (),
    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        """(plain traits, audiences, computed traits), using the catalogue plus any keys this
        lookup learned itself."""
        with self._lock:
            audience_keys = self._audiences | set(audiences)
            computed_keys = self._computed | set(computed)
        plain: dict[str, Any] = {}
        found_audiences: dict[str, Any] = {}
        found_computed: dict[str, Any] = {}
        for key, value in traits.items():
            if key in audience_keys:
                found_audiences[key] = value
            elif key in computed_keys:
                found_computed[key] = value
            else:
                plain[key] = value
        return plain, found_audiences, found_computed
