"""Faults the Profile API sandbox can inject: slow, broken, malformed or refused answers."""

from __future__ import annotations

import base64
import dataclasses
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

MODES = frozenset(
    {
        "reset",
        "trickle",
        "truncated_json",
        "deep_nesting",
        "huge",
        "non_utf8",
        "html",
        "wrong_shape",
        "null_data",
    }
)
ROUTES = frozenset({"*", "traits", "events", "external_ids", "links", "metadata"})
# Modes that replace the answer outright; the others transform the real answer.
REPLACING_MODES = frozenset({"deep_nesting", "huge", "non_utf8", "html"})
HUGE_BODY_BYTES = 5 * 1024 * 1024 + 4096
DEEP_NESTING_DEPTH = 100_000

_ERROR_CODES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "forbidden",
    404: "not_found",
    429: "rate_limit_error",
}


@dataclass
class Fault:
    """One injected misbehaviour, applied to matching requests (`times` of them, or all)."""

    route: str = "*"
    collection: str | None = None
    segment: str | None = None
    query: dict[str, str] | None = None
    latency: float = 0.0
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    content_type: str | None = None
    mode: str | None = None
    trickle_interval: float = 1.0
    times: int | None = None

    def __post_init__(self) -> None:
        if self.route not in ROUTES:
            raise ValueError(f"unknown route {self.route!r}")
        if self.mode is not None and self.mode not in MODES:
            raise ValueError(f"unknown fault mode {self.mode!r}")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be at least 1 (or None for always)")
        if self.latency < 0 or self.trickle_interval < 0:
            raise ValueError("latency and trickle_interval must not be negative")

    def matches(
        self,
        route: str | None,
        collection: str | None,
        segment: str | None,
        query: Mapping[str, str],
    ) -> bool:
        """Whether this fault applies to a request with these parts."""
        if self.route != "*" and self.route != route:
            return False
        if self.collection is not None and self.collection != collection:
            return False
        if self.segment is not None and self.segment != segment:
            return False
        if self.query is not None:
            return all(query.get(name) == value for name, value in self.query.items())
        return True

    def to_json(self) -> dict[str, Any]:
        """The fault as JSON-safe fields (`body` as base64 under `body_base64`)."""
        data = dataclasses.asdict(self)
        body = data.pop("body")
        data["body_base64"] = None if body is None else base64.b64encode(body).decode("ascii")
        return data


def fault_from_json(data: Mapping[str, Any]) -> Fault:
    """Build a Fault from JSON fields; `body` may be text or `body_base64` bytes."""
    fields = dict(data)
    known = {f.name for f in dataclasses.fields(Fault)} | {"body_base64"}
    unknown = sorted(set(fields) - known)
    if unknown:
        raise ValueError(f"unknown fault fields: {', '.join(unknown)}")
    encoded = fields.pop("body_base64", None)
    if encoded is not None:
        fields["body"] = base64.b64decode(encoded)
    elif isinstance(fields.get("body"), str):
        fields["body"] = fields["body"].encode("utf-8")
    try:
        return Fault(**fields)
    except TypeError as exc:
        raise ValueError(str(exc)) from None


class FaultBook:
    """Thread-safe list of active faults; the first match wins and uses up one of its `times`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        """Activate a fault (a copy, so later edits by the caller have no effect)."""
        with self._lock:
            self._faults.append(dataclasses.replace(fault))

    def clear(self) -> None:
        """Drop every fault."""
        with self._lock:
            self._faults.clear()

    def active(self) -> list[Fault]:
        """Copies of the faults still active."""
        with self._lock:
            return [dataclasses.replace(f) for f in self._faults]

    def take(
        self,
        route: str | None,
        collection: str | None,
        segment: str | None,
        query: Mapping[str, str],
    ) -> Fault | None:
        """The fault for this request, if any, counting it against the fault's `times`."""
        with self._lock:
            for index, fault in enumerate(self._faults):
                if not fault.matches(route, collection, segment, query):
                    continue
                taken = dataclasses.replace(fault)
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        del self._faults[index]
                return taken
        return None


def error_body(status: int, message: str | None = None) -> bytes:
    """A Segment-style JSON error body for a status."""
    code = _ERROR_CODES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    text = message or f"Injected error ({status})."
    return json.dumps({"error": {"code": code, "message": text}}).encode("utf-8")


def replacement(mode: str, route: str | None) -> tuple[int, bytes, str]:
    """(status, body, content type) for a mode that replaces the answer outright."""
    if mode == "html":
        return 502, HTML_502, "text/html"
    if mode == "non_utf8":
        return 200, b'{"traits": {"name": "\xff\xfe\xc3\x28 bad \xed\xa0\x80"}}', "application/json"
    if mode == "deep_nesting":
        return 200, _deep_nesting(), "application/json"
    if mode == "huge":
        return 200, _huge(route == "traits"), "application/json"
    raise ValueError(f"{mode!r} does not replace the answer")


def transform(mode: str, body: bytes) -> bytes:
    """Apply a transforming mode (truncated_json, wrong_shape, null_data) to a real JSON body."""
    if mode == "truncated_json":
        return body[: max(1, len(body) // 2)]
    try:
        data = json.loads(body)
    except ValueError:
        return body
    if not isinstance(data, dict):
        return body
    for key in ("traits", "data", "metadata"):
        if key not in data:
            continue
        if mode == "null_data":
            data[key] = None
        elif mode == "wrong_shape":
            value = data[key]
            data[key] = list(value.items()) if isinstance(value, dict) else {"items": value}
    return json.dumps(data).encode("utf-8")


HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)


@cache
def _deep_nesting() -> bytes:
    return b"[" * DEEP_NESTING_DEPTH + b"]" * DEEP_NESTING_DEPTH


@cache
def _huge(as_traits: bool) -> bytes:
    chunk = "x" * 1000
    count = HUGE_BODY_BYTES // 1000 + 1
    cursor = {"url": "", "has_more": False, "next": ""}
    if as_traits:
        payload: dict[str, Any] = {
            "traits": {f"blob_{i:05d}": chunk for i in range(count)},
            "cursor": cursor,
        }
    else:
        payload = {"data": [{"blob": chunk, "n": i} for i in range(count)], "cursor": cursor}
    return json.dumps(payload).encode("utf-8")
