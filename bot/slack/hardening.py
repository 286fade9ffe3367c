"""WSGI guard in front of Bolt: refuse unsigned, stale, oversized or malformed Slack requests early.

Bolt still checks the HMAC signature itself; this layer only makes sure that what reaches Bolt is
well-formed, because stock slack_bolt 1.30 answers a non-numeric X-Slack-Request-Timestamp with a
500 and an ERROR traceback (int() raises inside its RequestVerification middleware), logs the whole
body at INFO for any request whose signature does not verify (a missing timestamp counts as 0, so
stale), reads CONTENT_LENGTH with int() (500 on garbage) and decodes the body as UTF-8 (500 on
anything else).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["DEFAULT_MAX_BODY_BYTES", "EVENTS_PATH", "MAX_TIMESTAMP_SKEW_SECONDS", "harden"]

EVENTS_PATH = "/slack/events"
DEFAULT_MAX_BODY_BYTES = 256 * 1024  # Slack's payloads are a few kB; views are capped at 250 kB
MAX_TIMESTAMP_SKEW_SECONDS = 300  # the window slack_sdk's SignatureVerifier accepts
# A refused request's body is read and thrown away up to this size, so that closing the
# connection with unread data does not reset it before the client has read our answer.
DRAIN_LIMIT_BYTES = 1024 * 1024
_CHUNK = 64 * 1024

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")  # the only scheme slack_sdk computes
_DIGITS = re.compile(r"[0-9]{1,15}")

_log = logging.getLogger(__name__)


class _Refusal(Exception):
    def __init__(self, status: HTTPStatus, error: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.error, self.reason = status, error, reason


def harden(
    wsgi_app: WSGIApplication,
    *,
    path: str = EVENTS_PATH,
    signing_secret_required: bool = True,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    clock: Callable[[], float] = time.time,
) -> WSGIApplication:
    """Wrap `wsgi_app` so that only well-formed, fresh, bounded POSTs to `path` reach it."""
    if max_body_bytes < 1:
        raise ValueError("max_body_bytes must be positive")

    def hardened(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != path:
            return wsgi_app(environ, start_response)
        body_input = _Input(environ)
        try:
            if environ.get("REQUEST_METHOD") != "POST":
                raise _Refusal(
                    HTTPStatus.METHOD_NOT_ALLOWED, "method not allowed", "method is not POST"
                )
            if signing_secret_required:
                _check_slack_headers(environ, clock())
            try:
                body = _read_body(environ, body_input, max_body_bytes)
            except (OSError, ValueError):  # connection dropped mid-body
                raise _Refusal(HTTPStatus.BAD_REQUEST, "bad request", "body unreadable") from None
        except _Refusal as refusal:
            _log.info("refused a request to %s: %s", path, refusal.reason)
            body_input.drain()
            return _answer(start_response, refusal)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return wsgi_app(environ, start_response)

    return hardened


def _check_slack_headers(environ: WSGIEnvironment, now: float) -> None:
    timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")).strip()
    signature = str(environ.get("HTTP_X_SLACK_SIGNATURE", "")).strip()
    if not timestamp:
        raise _unauthorized("no X-Slack-Request-Timestamp")
    if not _TIMESTAMP.fullmatch(timestamp):
        raise _unauthorized("X-Slack-Request-Timestamp is not a number of seconds")
    if abs(now - int(timestamp)) > MAX_TIMESTAMP_SKEW_SECONDS:
        raise _unauthorized("X-Slack-Request-Timestamp is outside the 5-minute window")
    if not signature:
        raise _unauthorized("no X-Slack-Signature")
    if not _SIGNATURE.fullmatch(signature):
        raise _unauthorized("X-Slack-Signature is not a v0 signature")


def _unauthorized(reason: str) -> _Refusal:
    # Same answer as Bolt's own RequestVerification, whatever the reason.
    return _Refusal(HTTPStatus.UNAUTHORIZED, "invalid request", reason)


class _Input:
    """wsgi.input plus how much of it was read, so a refusal never waits for bytes never sent."""

    def __init__(self, environ: WSGIEnvironment) -> None:
        self.stream: Any = environ.get("wsgi.input")
        raw_length = str(environ.get("CONTENT_LENGTH") or "").strip()
        self.declared = int(raw_length) if _DIGITS.fullmatch(raw_length) else None
        self.terminated = bool(environ.get("wsgi.input_terminated"))
        self.consumed = 0
        self.at_end = False

    def read_up_to(self, limit: int) -> bytes:
        """Read until `limit` bytes or end of input (a single read() may return less)."""
        parts: list[bytes] = []
        remaining = limit
        while remaining > 0 and self.stream is not None and not self.at_end:
            chunk = self.stream.read(min(remaining, _CHUNK))
            if not chunk:
                self.at_end = True
                break
            parts.append(chunk)
            remaining -= len(chunk)
            self.consumed += len(chunk)
        return b"".join(parts)

    def drain(self) -> None:
        """Read and discard what is left of a refused body, within DRAIN_LIMIT_BYTES."""
        if self.declared is not None:
            left = self.declared - self.consumed
            if left > DRAIN_LIMIT_BYTES:
                return  # too much to be worth it: the server will just close the connection
        elif self.terminated:
            left = DRAIN_LIMIT_BYTES
        else:
            return  # nothing says where the body ends; reading could block forever
        with contextlib.suppress(OSError, ValueError):  # the client went away: nothing to do
            self.read_up_to(left)


def _read_body(environ: WSGIEnvironment, body_input: _Input, cap: int) -> bytes:
    raw_length = str(environ.get("CONTENT_LENGTH") or "").strip()
    if raw_length:
        if body_input.declared is None:
            raise _Refusal(HTTPStatus.BAD_REQUEST, "bad request", "malformed Content-Length")
        if body_input.declared > cap:
            raise _too_large("Content-Length over the cap")
        body = body_input.read_up_to(body_input.declared)
        if len(body) < body_input.declared:
            raise _Refusal(HTTPStatus.BAD_REQUEST, "bad request", "body shorter than declared")
    elif _has_chunked_body(environ):
        if not body_input.terminated:
            # The server hands over the raw socket: nothing delimits the body safely.
            raise _Refusal(HTTPStatus.LENGTH_REQUIRED, "length required", "chunked body")
        body = body_input.read_up_to(cap + 1)
        if len(body) > cap:
            raise _too_large("chunked body over the cap")
    else:
        body = b""  # no Content-Length and no Transfer-Encoding: HTTP says there is no body
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise _Refusal(HTTPStatus.BAD_REQUEST, "bad request", "body is not UTF-8") from None
    return body


def _too_large(reason: str) -> _Refusal:
    return _Refusal(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "request body too large", reason)


def _has_chunked_body(environ: WSGIEnvironment) -> bool:
    encoding = str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower()
    return "chunked" in encoding or bool(environ.get("wsgi.input_terminated"))


def _answer(start_response: StartResponse, refusal: _Refusal) -> list[bytes]:
    body = json.dumps({"error": refusal.error}).encode("utf-8")
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    if refusal.status is HTTPStatus.METHOD_NOT_ALLOWED:
        headers.append(("Allow", "POST"))
    start_response(f"{refusal.status.value} {refusal.status.phrase}", headers)
    return [body]
