"""Each person's recent lookups for the Home tab: the last 10, newest first, kept with a TTL.

Personal data (who looked at which customer), so: per person, through the state layer (sealed in
Redis like every value), off entirely with PROFILE_HISTORY_ENABLED=false, cleared on request, and
only lookups that found a profile are kept.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.identifiers import Identifier
from bot.state import HistoryStore

KEEP = 10
LABEL_LIMIT = 150  # the customer's name as shown on the Home tab's button line


@dataclass(frozen=True)
class RecentLookup:
    """One remembered lookup: an opaque id for its button, what was looked up, and when."""

    entry_id: str
    identifier: Identifier
    label: str  # the customer's name from Segment (untrusted text: escape before showing)
    at: float  # seconds since the epoch


class RecentLookups:
    """Reads and writes people's recent lookups in a HistoryStore."""

    def __init__(
        self,
        store: HistoryStore,
        *,
        enabled: bool,
        ttl: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self.enabled = enabled
        self.ttl = ttl
        self._clock = clock

    def record(self, user_id: str, ident: Identifier, label: str) -> None:
        """Put `ident` first in the person's list (once), keeping the newest KEEP entries."""
        if not self.enabled or not user_id:
            return
        now = self._clock()
        entry = {
            "id": secrets.token_urlsafe(8),
            "t": ident.type,
            "v": ident.value,
            "label": label[:LABEL_LIMIT],
            "at": now,
            "until": now + self.ttl,
        }
        same = (ident.type, ident.value)
        kept = [e for e in self._live(user_id, now) if (e.get("t"), e.get("v")) != same]
        self._store.put(user_id, [entry, *kept][:KEEP], self.ttl)

    def entries(self, user_id: str) -> list[RecentLookup]:
        """The person's recent lookups, newest first ([] when history is off)."""
        if not self.enabled or not user_id:
            return []
        out = []
        for raw in self._live(user_id, self._clock()):
            try:
                ident = Identifier(str(raw["t"]), str(raw["v"]))
                label = str(raw.get("label", ""))
                out.append(RecentLookup(str(raw["id"]), ident, label, _number(raw.get("at"))))
            except KeyError:
                continue  # an entry of another shape: skip it, keep the rest
        return out

    def find(self, user_id: str, entry_id: str) -> RecentLookup | None:
        """The person's entry with this id (ids are per person: another's id finds nothing)."""
        return next((e for e in self.entries(user_id) if e.entry_id == entry_id), None)

    def clear(self, user_id: str) -> bool:
        """Forget the person's history; False when shared storage could not be reached."""
        return self._store.delete(user_id)

    def _live(self, user_id: str, now: float) -> list[dict[str, Any]]:
        # Each entry carries its own expiry: the store's TTL restarts with every lookup.
        return [e for e in self._store.get(user_id) if _number(e.get("until")) > now]


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) else 0.0
