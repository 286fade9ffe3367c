"""A thread-safe log of the requests a sandbox server received."""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RecordedRequest:
    """One request the Profile API sandbox answered (or dropped: status 0 means a reset)."""

    method: str
    path: str  # raw, still percent-encoded, without the query string
    query: dict[str, str]
    route: str | None  # "traits" | "events" | "external_ids" | "links" | "metadata" | None
    collection: str | None
    segment: str | None  # the raw "type:encoded-value" path segment
    status: int
    at: float  # time.monotonic() on arrival
    authorized: bool

    def to_json(self) -> dict[str, Any]:
        """The record as a JSON-safe dict."""
        return dataclasses.asdict(self)


class RequestLog:
    """Append-only list of RecordedRequest, safe to read while servers write."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[RecordedRequest] = []

    def add(self, request: RecordedRequest) -> None:
        """Append one record."""
        with self._lock:
            self._items.append(request)

    def all(self) -> list[RecordedRequest]:
        """A copy of every record, oldest first."""
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        """Forget every record."""
        with self._lock:
            self._items.clear()

    def count(self, route: str | None = None) -> int:
        """How many requests were received (for one route, or all)."""
        with self._lock:
            if route is None:
                return len(self._items)
            return sum(1 for item in self._items if item.route == route)
