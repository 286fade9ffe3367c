"""One Profile API GET with the protections around it: breaker, cool-down, budget, retries."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import httpx

from bot.segment.body import read_body
from bot.segment.breaker import CircuitBreaker
from bot.segment.errors import ErrorKind, ProfileApiError
from bot.segment.parse import ShapeError, decode_json
from bot.segment.ports import RequestBudget
from bot.segment.retry import backoff_delay, parse_retry_after

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
DEFAULT_COOL_DOWN_SECONDS = 1.0  # Segment sends no Retry-After on 429 (undocumented): one window
# Our own budget counts permits per rolling second: about when one frees up, to tell the person.
BUDGET_RETRY_HINT_SECONDS = 1.0
# No attempt starts (nor is a permit spent, nor a wait begun) with less time left than this: it
# could not finish (Segment's p95 is ~200 ms), and giving up a moment early lets the lookup say
# why (busy, cooling down) instead of a bare timeout when its deadline is reached.
MIN_ATTEMPT_SECONDS = 0.1
MAX_COOL_DOWN_SECONDS = 60.0
AUTH_WARNING_INTERVAL = 60.0
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
_ERROR_CODE = re.compile(r"[a-z_]{1,40}")


class CoolDown:
    """After a 429, every request through this client pauses until `until` (thread-safe)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._until = 0.0

    def extend(self, seconds: float) -> None:
        """Pause for at least `seconds` from now (capped)."""
        with self._lock:
            self._until = max(self._until, self._clock() + min(seconds, MAX_COOL_DOWN_SECONDS))

    def remaining(self) -> float:
        """Seconds left in the current pause (0 when none)."""
        with self._lock:
            return max(0.0, self._until - self._clock())


class _Call:
    """Bookkeeping for one logical call: whether any request actually went out."""

    sent = False


def _request_id(headers: httpx.Headers) -> str | None:
    value = headers.get("request-id", "")
    return value if _REQUEST_ID.fullmatch(value) else None


def _error_code(body: bytes) -> str:
    """Segment's documented `error.code` (e.g. validation_error) when it is one; else ''."""
    try:
        code = decode_json(body)["error"]["code"]
    except (ShapeError, TypeError, KeyError, IndexError):
        return ""
    return code if isinstance(code, str) and _ERROR_CODE.fullmatch(code) else ""


def _is_transient(error: ProfileApiError) -> bool:
    if error.kind is ErrorKind.TIMEOUT:
        return True
    if error.kind is ErrorKind.RATE_LIMITED:
        return error.status == 429
    if error.kind is ErrorKind.UPSTREAM:
        return error.status is None or error.status in RETRYABLE_STATUSES
    return False


class ProfileRequester:
    """Sends GETs on a shared httpx.Client and turns every outcome into JSON or ProfileApiError."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        budget: RequestBudget | None,
        breaker: CircuitBreaker,
        cool_down: CoolDown,
        timeout: httpx.Timeout,
        max_retries: int,
        max_body_bytes: int,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        rng: Callable[[], float],
        on_send: Callable[[], None],
    ) -> None:
        self._http = http
        self._budget = budget
        self.breaker = breaker
        self.cool_down = cool_down
        self._timeout = timeout
        self._max_retries = max(0, max_retries)
        self._max_body_bytes = max_body_bytes
        self._clock = clock
        self._sleep = sleep
        self._rng = rng
        self._on_send = on_send
        self._last_auth_warning = float("-inf")

    def get_json(
        self,
        url: httpx.URL,
        deadline: float,
        parse: Callable[[Any], T],
        *,
        scope: Hashable | None = None,
    ) -> T:
        """GET `url`, decode its JSON and `parse` it (ShapeError → MALFORMED) within `deadline`;
        a failure counts toward the breaker once per `scope` (see CircuitBreaker)."""
        if not self.breaker.allow():
            wait = self.breaker.retry_in()
            raise ProfileApiError(ErrorKind.CIRCUIT_OPEN, "not calling Segment", retry_after=wait)
        call = _Call()
        try:
            doc = self._with_retries(url, deadline, call, parse)
        except ProfileApiError as error:
            self._record(error, call, scope)
            raise
        except BaseException:
            self.breaker.record_neutral()
            raise
        self.breaker.record_success()
        return doc

    def _record(self, error: ProfileApiError, call: _Call, scope: Hashable | None) -> None:
        kind = error.kind
        if kind in (ErrorKind.NOT_FOUND, ErrorKind.INVALID_REQUEST):
            self.breaker.record_success()  # Segment answered sensibly
        elif kind in (ErrorKind.UPSTREAM, ErrorKind.MALFORMED) or (
            kind is ErrorKind.TIMEOUT and call.sent
        ):
            self.breaker.record_failure(scope)
        else:  # 401/403, 429, our own budget, too large, a deadline spent before sending
            self.breaker.record_neutral()
        if kind is ErrorKind.UNAUTHORIZED:
            self._warn_unauthorized(error)

    def _warn_unauthorized(self, error: ProfileApiError) -> None:
        now = self._clock()
        if now - self._last_auth_warning >= AUTH_WARNING_INTERVAL:
            self._last_auth_warning = now
            log.warning(
                "Segment refused the access token (%s). Check SEGMENT_ACCESS_TOKEN and "
                "SEGMENT_SPACE_ID; the token may have been revoked or belong to another space.",
                error,
            )

    def _with_retries(
        self, url: httpx.URL, deadline: float, call: _Call, parse: Callable[[Any], T]
    ) -> T:
        attempt = 0
        last_start = deadline - MIN_ATTEMPT_SECONDS
        while True:
            if self._clock() >= last_start:
                raise ProfileApiError(ErrorKind.TIMEOUT, "deadline passed before the request")
            self._wait_for_cool_down(last_start)
            if self._budget is not None and not self._budget.acquire(last_start):
                raise ProfileApiError(
                    ErrorKind.RATE_LIMITED,
                    "busy: no request permit before the deadline",
                    retry_after=BUDGET_RETRY_HINT_SECONDS,
                )
            try:
                call.sent = True
                return self._send(url, deadline, parse)
            except ProfileApiError as error:
                if not _is_transient(error) or attempt >= self._max_retries:
                    raise self._with_wait_hint(error) from None
                wait = error.retry_after
                if wait is None:
                    wait = backoff_delay(attempt, self._rng)
                if self._clock() + wait >= last_start:
                    raise self._with_wait_hint(error) from None
                self._sleep(wait)
                attempt += 1

    def _with_wait_hint(self, error: ProfileApiError) -> ProfileApiError:
        """A 429 we give up on tells the person roughly when to retry, even without a usable
        Retry-After (absent, garbage, 0, a past date): the cool-down left, at least one of
        Segment's one-second windows."""
        if error.kind is ErrorKind.RATE_LIMITED and not error.retry_after:
            error.retry_after = max(self.cool_down.remaining(), DEFAULT_COOL_DOWN_SECONDS)
        return error

    def _wait_for_cool_down(self, last_start: float) -> None:
        pause = self.cool_down.remaining()
        if pause <= 0:
            return
        if self._clock() + pause >= last_start:
            raise ProfileApiError(
                ErrorKind.RATE_LIMITED, "Segment is rate-limiting; cooling down", retry_after=pause
            )
        self._sleep(pause)

    def _attempt_timeout(self, remaining: float) -> httpx.Timeout:
        def part(value: float | None) -> float:
            return remaining if value is None else min(value, remaining)

        t = self._timeout
        return httpx.Timeout(
            connect=part(t.connect), read=part(t.read), write=part(t.write), pool=part(t.pool)
        )

    def _send(self, url: httpx.URL, deadline: float, parse: Callable[[Any], T]) -> T:
        remaining = deadline - self._clock()
        try:
            self._on_send()
            with self._http.stream("GET", url, timeout=self._attempt_timeout(remaining)) as resp:
                request_id = _request_id(resp.headers)
                body = read_body(
                    resp,
                    deadline=deadline,
                    max_bytes=self._max_body_bytes,
                    clock=self._clock,
                    request_id=request_id,
                )
                doc = self._interpret(resp, body, request_id)
                try:
                    return parse(doc)
                except ShapeError as error:
                    raise ProfileApiError(
                        ErrorKind.MALFORMED,
                        str(error),
                        status=resp.status_code,
                        request_id=request_id,
                    ) from None
        except httpx.TimeoutException:
            raise ProfileApiError(ErrorKind.TIMEOUT, "Segment did not answer in time") from None
        except httpx.TransportError:
            raise ProfileApiError(ErrorKind.UPSTREAM, "connection to Segment failed") from None
        except (httpx.HTTPError, httpx.InvalidURL):
            raise ProfileApiError(ErrorKind.UPSTREAM, "HTTP error talking to Segment") from None

    def _interpret(self, resp: httpx.Response, body: bytes, request_id: str | None) -> Any:
        status = resp.status_code
        if 200 <= status < 300:
            try:
                return decode_json(body)
            except ShapeError as error:
                raise ProfileApiError(
                    ErrorKind.MALFORMED, str(error), status=status, request_id=request_id
                ) from None
        code = _error_code(body)
        kind, detail, retry_after = ErrorKind.UPSTREAM, code or "unexpected answer", None
        if status == 404:
            kind = ErrorKind.NOT_FOUND
        elif status in (401, 403):
            kind = ErrorKind.UNAUTHORIZED
        elif status == 400:
            kind = ErrorKind.INVALID_REQUEST
        elif status == 429:
            kind = ErrorKind.RATE_LIMITED
            retry_after = parse_retry_after(resp.headers.get("retry-after"))
            self.cool_down.extend(DEFAULT_COOL_DOWN_SECONDS if retry_after is None else retry_after)
        elif status >= 500 and not code:
            content_type = resp.headers.get("content-type", "")
            detail = "HTML error page" if "html" in content_type.lower() else "server error"
        raise ProfileApiError(
            kind, detail, status=status, request_id=request_id, retry_after=retry_after
        )
