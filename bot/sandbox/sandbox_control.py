"""HTTP control endpoints (/_sandbox/...) so other processes can steer a running sandbox."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Protocol

from bot.sandbox._server import Incoming, Outgoing
from bot.sandbox.data import SampleCustomer
from bot.sandbox.faults import Fault, fault_from_json
from bot.sandbox.recording import RecordedRequest


class SteerableSandbox(Protocol):
    """What the control endpoints steer (the Profile API sandbox)."""

    def add_fault(self, fault: Fault) -> None: ...
    def clear_faults(self) -> None: ...
    def faults(self) -> list[Fault]: ...
    def requests(self) -> list[RecordedRequest]: ...
    def clear_requests(self) -> None: ...
    def customers(self) -> list[SampleCustomer]: ...
    def set_rate_limit(self, rate_limit_rps: float | None) -> None: ...


_JSON = {"Content-Type": "application/json; charset=utf-8"}


def control_answer(sandbox: SteerableSandbox, incoming: Incoming) -> Outgoing:
    """Answer one /_sandbox/... request: faults, requests, customers, rate limit."""
    key = (incoming.method, incoming.raw_path.rstrip("/"))
    if key == ("POST", "/_sandbox/faults"):
        return _add_faults(sandbox, incoming.body)
    if key == ("DELETE", "/_sandbox/faults"):
        sandbox.clear_faults()
        return _ok({"ok": True})
    if key == ("GET", "/_sandbox/faults"):
        return _ok([fault.to_json() for fault in sandbox.faults()])
    if key == ("GET", "/_sandbox/requests"):
        return _ok([request.to_json() for request in sandbox.requests()])
    if key == ("DELETE", "/_sandbox/requests"):
        sandbox.clear_requests()
        return _ok({"ok": True})
    if key == ("GET", "/_sandbox/customers"):
        return _ok([dataclasses.asdict(customer) for customer in sandbox.customers()])
    if key == ("PUT", "/_sandbox/rate_limit"):
        return _set_rate_limit(sandbox, incoming.body)
    return _error(404, "No such sandbox control endpoint.")


def _add_faults(sandbox: SteerableSandbox, body: bytes) -> Outgoing:
    try:
        data = json.loads(body or b"[]")
        items = data if isinstance(data, list) else [data]
        if not all(isinstance(item, dict) for item in items):
            raise ValueError("each fault must be a JSON object")
        faults = [fault_from_json(item) for item in items]
    except ValueError as exc:
        return _error(400, f"Bad fault: {exc}")
    for fault in faults:
        sandbox.add_fault(fault)
    return _ok({"ok": True, "added": len(faults)})


def _set_rate_limit(sandbox: SteerableSandbox, body: bytes) -> Outgoing:
    try:
        data = json.loads(body or b"{}")
        if not isinstance(data, dict):
            raise ValueError('send a JSON object like {"rps": 5}')
        rps = data["rps"]
        if rps is not None and (isinstance(rps, bool) or not isinstance(rps, int | float)):
            raise ValueError("rps must be a number or null")
    except (ValueError, KeyError) as exc:
        return _error(400, f"Bad rate limit: {exc}")
    sandbox.set_rate_limit(None if rps is None else float(rps))
    return _ok({"ok": True, "rps": rps})


def _ok(data: Any) -> Outgoing:
    return Outgoing(200, json.dumps(data).encode("utf-8"), dict(_JSON))


def _error(status: int, message: str) -> Outgoing:
    body = {"error": {"code": "invalid_request_error", "message": message}}
    return Outgoing(status, json.dumps(body).encode("utf-8"), dict(_JSON))
