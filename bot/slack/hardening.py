"""WSGI guard in front of Bolt: refuse unsigned, stale, oversized or malformed Slack requests early.

Order (issue 11 §2): the request's shape (POST, timestamp and signature headers), then the body
read within its cap, then the HMAC signature over the raw body (slack_sdk's SignatureVerifier:
401 when wrong), and only then whether the body parses into what Slack sends (400). Stock
slack_bolt 1.30 parses the body before it checks the signature, so without this guard anyone can
get a 500 and an ERROR traceback with `payload=null`; it also answers a non-numeric
X-Slack-Request-Timestamp with a 500, logs the whole body at INFO for a request whose signature
does not verify, and reads CONTENT_LENGTH with int(). Bolt still checks the signature again.

Reading the body never waits on a slow client in production: waitress (bot/serve_http) hands a
request to the application only once all of it is buffered. A refused request's unread bytes
are the server's business (waitress has read them; the test server lingers on close).
"""

from __future__ import annotations

import io
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from slack_sdk.signature import Clock, SignatureVerifier

from bot.slack.request_body import MalformedBody, check_body

__all__ = ["DEFAULT_MAX_BODY_BYTES", "EVENTS_PATH", "MAX_TIMESTAMP_SKEW_SECONDS", "harden"]

EVENTS_PATH = "/slack/events"
DEFAULT_MAX_BODY_BYTES = 256 * 1024  # Slack's payloads are a few kB; views are capped at 250 kB
MAX_TIMESTAMP_SKEW_SECONDS = 300  # the window slack_sdk's SignatureVerifier accepts
_CHUNK = 64 * 1024

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")  # the only scheme slack_sdk computes
_DIGITS = re.compile(r"[0-9]{1,15}")

_log = logging.getLogger(__name__)


class _Refusal(Exception):
    def __init__(self, status: HTTPStatus, error: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.error, self.reason = status, error, reason


class _InjectedClock(Clock):
    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now

    def now(self) -> float:
        return self._now()


def harden(
    wsgi_app: WSGIApplication,
    *,
    signing_secret: str | None,
    path: str = EVENTS_PATH,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    clock: Callable[[], float] = time.time,
) -> WSGIApplication:
    """Wrap `wsgi_app` so that only signed, fresh, bounded, well-formed POSTs to `path` reach it.

    `signing_secret=None` turns the signature checks off (the cap and the body checks stay).
    """
    if max_body_bytes < 1:
        raise ValueError("max_body_bytes must be positive")
    if signing_secret is not None and not signing_secret.strip():
        raise ValueError("signing_secret is empty (pass None to turn the signature checks off)")
    verifier = SignatureVerifier(signing_secret, _InjectedClock(clock)) if signing_secret else None

    def hardened(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != path:
            return wsgi_app(environ, start_response)
        try:
            body = _checked_body(environ, verifier, clock, max_body_bytes)
        except _Refusal as refusal:
            _log.info("refused a request to %s: %s", path, refusal.reason)
            return _answer(start_response, refusal)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return wsgi_app(environ, start_response)

    return hardened


def _checked_body(
    environ: WSGIEnvironment,
    verifier: SignatureVerifier | None,
    clock: Callable[[], float],
    cap: int,
) -> bytes:
    """The request's body once every check passed; _Refusal otherwise."""
    if environ.get("REQUEST_METHOD") != "POST":
        raise _Refusal(HTTPStatus.METHOD_NOT_ALLOWED, "method not allowed", "method is not POST")
    signed = _slack_headers(environ, clock()) if verifier is not None else None
    try:
        body = _read_body(environ, cap)
    except (OSError, ValueError):  # connection dropped mid-body
        raise _Refusal(HTTPStatus.BAD_REQUEST, "bad request", "body unreadable") from None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        # slack_sdk verifies the signature over the body as UTF-8 text: Slack sends nothing else.
        if verifier is not None:
            raise _unauthorized("body is not UTF-8, so no Slack signature covers it") from None
        raise _Refusal(HTTPStatus.BAD_REQUEST, "bad request", "body is not UTF-8") from None
    if verifier is not None and signed is not None and not verifier.is_valid(text, *signed):
        raise _unauthorized("signature does not match the body")
    text = _spare_bolts_payload_sniffing(environ, text, verifier, signed)
    body = text.encode("utf-8")
    try:
        check_body(
            text, str(environ.get("CONTENT_TYPE") or ""), str(environ.get("QUERY_STRING") or "")
        )
    except MalformedBody as malformed:
        raise _Refusal(HTTPStatus.BAD_REQUEST, "bad request", str(malformed)) from None
    return body


def _spare_bolts_payload_sniffing(
    environ: WSGIEnvironment,
    text: str,
    verifier: SignatureVerifier | None,
    signed: tuple[str, str] | None,
) -> str:
    """A form body that merely mentions "payload" (`/profile payload@acme.com`), made safe for Bolt.

    slack_bolt 1.30's parse_body treats any form body holding the text "payload" as an
    interactivity form and, finding no `payload` field, parses it as `{}`: the command is lost.
    Percent-encoding the "p" (`%70ayload`) decodes to the same form, and the request is signed
    again with the same secret and timestamp so that Bolt's own check still passes.
    """
    content_type = str(environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
    if "payload" not in text or text.startswith("{") or content_type == "application/json":
        return text
    if any(key == "payload" for key, _ in parse_qsl(text, keep_blank_values=True)):
        return text
    spared = text.replace("payload", "%70ayload")
    if verifier is not None and signed is not None:
        timestamp = signed[0]
        environ["HTTP_X_SLACK_SIGNATURE"] = verifier.generate_signature(
            timestamp=timestamp, body=spared
        )
    return spared


def _slack_headers(environ: WSGIEnvironment, now: float) -> tuple[str, str]:
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
    return timestamp, signature


def _unauthorized(reason: str) -> _Refusal:
    # Same answer as Bolt's own RequestVerification, whatever the reason.
    return _Refusal(HTTPStatus.UNAUTHORIZED, "invalid request", reason)


def _read_body(environ: WSGIEnvironment, cap: int) -> bytes:
    stream: Any = environ.get("wsgi.input")
    raw_length = str(environ.get("CONTENT_LENGTH") or "").strip()
    if raw_length:
        if not _DIGITS.fullmatch(raw_length):
            raise _Refusal(HTTPStatus.BAD_REQUEST, "bad request", "malformed Content-Length")
        declared = int(raw_length)
        if declared > cap:
            raise _too_large("Content-Length over the cap")
        body = _read_up_to(stream, declared)
        if len(body) < declared:
            raise _Refusal(HTTPStatus.BAD_REQUEST, "bad request", "body shorter than declared")
        return body
    if _has_chunked_body(environ):
        if not environ.get("wsgi.input_terminated"):
            # The server hands over the raw socket: nothing delimits the body safely.
            raise _Refusal(HTTPStatus.LENGTH_REQUIRED, "length required", "chunked body")
        body = _read_up_to(stream, cap + 1)
        if len(body) > cap:
            raise _too_large("chunked body over the cap")
        return body
    return b""  # no Content-Length and no Transfer-Encoding: HTTP says there is no body


def _read_up_to(stream: Any, limit: int) -> bytes:
    """Read until `limit` bytes or end of input (a single read() may return less)."""
    parts: list[bytes] = []
    remaining = limit
    while remaining > 0 and stream is not None:
        chunk = stream.read(min(remaining, _CHUNK))
        if not chunk:
            break
        parts.append(chunk)
        remaining -= len(chunk)
    return b"".join(parts)


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
