"""A local sandbox for the Twilio Segment Profile API, with sample data and fault injection."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import unquote

from bot.sandbox._server import Incoming, LoopbackHttpServer, LoopbackService, Outgoing
from bot.sandbox.data import CustomerStore, SampleCustomer
from bot.sandbox.faults import REPLACING_MODES, Fault, FaultBook, error_body, replacement, transform
from bot.sandbox.profile_http import (
    ProfileTarget,
    basic_auth_token,
    new_request_id,
    parse_path,
)
from bot.sandbox.ratelimit import RollingWindowLimiter
from bot.sandbox.recording import RecordedRequest, RequestLog
from bot.sandbox.routes import NOT_FOUND, ApiError, render
from bot.sandbox.sandbox_control import control_answer

JSON = "application/json; charset=utf-8"
ROUTES = frozenset({"traits", "events", "external_ids", "links", "metadata"})


class ProfileApiSandbox(LoopbackService):
    """The Profile API on 127.0.0.1: documented routes, Basic auth, paging, limits and faults."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str = "sandbox-token",
        space_id: str = "spa_sandbox",
        rate_limit_rps: float | None = 100.0,
        customers_path: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
        account_audiences: bool = True,
    ) -> None:
        self.token = token
        # Account audiences are a Segment feature a space must have switched on (profile-api.md
        # §5); with it off the sandbox's accounts have no audiences and refuse class=audience.
        self.account_audiences = account_audiences
        self.space_id = space_id
        self._store = CustomerStore(customers_path)
        self._faults = FaultBook()
        self._log = RequestLog()
        self._limiter = RollingWindowLimiter(rate_limit_rps)
        self._clock = clock
        self._server = LoopbackHttpServer(self._respond, host=host, port=port, clock=clock)

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT/` while running."""
        return f"http://{self._server.host}:{self._server.port}/"

    def add_fault(self, fault: Fault) -> None:
        """Inject a fault into matching requests from now on."""
        self._faults.add(fault)

    def clear_faults(self) -> None:
        """Remove every fault."""
        self._faults.clear()

    def faults(self) -> list[Fault]:
        """The faults still active."""
        return self._faults.active()

    def requests(self) -> list[RecordedRequest]:
        """Every Profile API request received so far (not the control endpoints)."""
        return self._log.all()

    def clear_requests(self) -> None:
        """Forget recorded requests."""
        self._log.clear()

    def request_count(self, route: str | None = None) -> int:
        """How many requests arrived, for one route or in all."""
        return self._log.count(route)

    def customers(self) -> list[SampleCustomer]:
        """The sample customers, for the demo to list."""
        return self._store.customers()

    def accounts(self) -> list[SampleCustomer]:
        """The sample accounts (B2B customers), for the demo to list."""
        return self._store.accounts()

    def set_rate_limit(self, rate_limit_rps: float | None) -> None:
        """Change the per-space limit (None disables it) and forget the current window."""
        self._limiter.per_second = rate_limit_rps
        self._limiter.reset()

    def _respond(self, incoming: Incoming) -> Outgoing:
        if incoming.raw_path.startswith("/_sandbox/"):
            return control_answer(self, incoming)
        query = incoming.query
        target = parse_path(incoming.raw_path)
        route = target.route if target and target.route in ROUTES else None
        collection = target.collection if target else None
        segment = target.segment if target else None
        authorized = basic_auth_token(incoming.headers) == self.token
        fault = self._faults.take(route, collection, segment, query)
        outgoing = self._answer(incoming, target, authorized, fault)
        outgoing.headers.setdefault("Request-Id", new_request_id())
        record = RecordedRequest(
            method=incoming.method,
            path=incoming.raw_path,
            query=query,
            route=route,
            collection=collection,
            segment=segment,
            status=0 if outgoing.reset else outgoing.status,
            at=incoming.at,
            authorized=authorized,
        )
        self._log.add(record)
        return outgoing

    def _answer(
        self,
        incoming: Incoming,
        target: ProfileTarget | None,
        authorized: bool,
        fault: Fault | None,
    ) -> Outgoing:
        if fault is None:
            status, body = self._real(incoming, target, authorized)
            return Outgoing(status, body, {"Content-Type": JSON})
        headers = {"Content-Type": JSON}
        if fault.body is not None:
            status, body = fault.status or 200, fault.body
        elif fault.mode in REPLACING_MODES:
            assert fault.mode is not None
            status, body, headers["Content-Type"] = replacement(
                fault.mode, target.route if target else None
            )
            status = fault.status or status
        elif fault.status is not None:
            status, body = fault.status, error_body(fault.status)
        else:
            status, body = self._real(incoming, target, authorized)
        if fault.mode in ("truncated_json", "wrong_shape", "null_data"):
            assert fault.mode is not None
            body = transform(fault.mode, body)
        if fault.content_type is not None:
            headers["Content-Type"] = fault.content_type
        headers.update(fault.headers)
        return Outgoing(
            status,
            body,
            headers,
            delay=fault.latency,
            reset=fault.mode == "reset",
            trickle_interval=fault.trickle_interval if fault.mode == "trickle" else None,
        )

    def _real(
        self, incoming: Incoming, target: ProfileTarget | None, authorized: bool
    ) -> tuple[int, bytes]:
        try:
            return 200, _dump(self._route(incoming, target, authorized))
        except ApiError as error:
            return error.status, _dump(error.body())

    def _route(
        self, incoming: Incoming, target: ProfileTarget | None, authorized: bool
    ) -> dict[str, Any]:
        if not incoming.raw_path.startswith("/v1/"):
            raise ApiError(404, "not_found", "Route was not found.")
        if not authorized:
            raise ApiError(401, "authentication_error", "No valid access token provided.")
        if target is None:
            raise ApiError(404, "not_found", "Route was not found.")
        if unquote(target.space) != self.space_id:
            # Undocumented; the sandbox treats a token used on another space as unauthenticated.
            raise ApiError(401, "authentication_error", "This token has no access to that space.")
        if incoming.method not in ("GET", "HEAD"):
            raise ApiError(405, "invalid_request_error", "Only GET is supported.")
        if not self._limiter.admit(self.space_id, self._clock()):
            raise ApiError(429, "rate_limit_error", "Too many requests hit the API too quickly.")
        if target.collection not in ("users", "accounts"):
            raise NOT_FOUND
        # A raw `+` arrives as a space, as Segment documents for phone numbers: only %2B matches.
        decoded = unquote(target.segment.replace("+", " "))
        id_type, sep, value = decoded.partition(":")
        if not sep or not value:
            raise NOT_FOUND  # Segment answers 404 when the `type:` prefix is missing
        profile = self._store.find(target.collection, id_type, value)
        if profile is None:
            raise NOT_FOUND
        return render(
            target.route,
            profile,
            self._store,
            incoming.query,
            space_id=self.space_id,
            account_audiences=self.account_audiences,
        )


def _dump(data: Mapping[str, Any] | list[Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def serve_forever(
    port: int,
    token: str = "sandbox-token",
    space_id: str = "spa_sandbox",
    *,
    host: str = "127.0.0.1",
    rate_limit_rps: float | None = 100.0,
    customers_path: Path | None = None,
    out: TextIO | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Run the sandbox in the foreground until Ctrl-C (or until `stop` is set)."""
    sandbox = ProfileApiSandbox(
        host=host,
        port=port,
        token=token,
        space_id=space_id,
        rate_limit_rps=rate_limit_rps,
        customers_path=customers_path,
    ).start()
    stream = out or sys.stdout
    stream.write(
        f"Profile API sandbox at {sandbox.base_url} (token {token}, space {space_id});"
        " press Ctrl-C to stop.\n"
    )
    stream.flush()
    waiter = stop or threading.Event()
    try:
        while not waiter.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
