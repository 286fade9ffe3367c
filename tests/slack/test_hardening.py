"""harden() in front of a real Bolt app, over real HTTP on 127.0.0.1 (and the production server)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from wsgiref.types import StartResponse, WSGIEnvironment

import httpx
import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

from bot.logs import configure_logging
from bot.sandbox.credentials import SLACK_OTHER_SIGNING_SECRET, SLACK_SIGNING_SECRET
from bot.sandbox.signing import command_body, sign_headers
from bot.sandbox.wsgi_server import serve_wsgi
from bot.serve_http import WORKER_CLASS
from bot.slack.hardening import DEFAULT_MAX_BODY_BYTES, harden
from tests.support.logging_state import preserved_logging

REPO = Path(__file__).resolve().parents[2]
TYPED = "user_id:u_typed_by_agent_42"
RESPONSE_URL = "http://127.0.0.1:9/response/r3sp0nseT0ken"


class Counting:
    """The Bolt WSGI handler plus a count of calls that reached it (and a /healthz of its own)."""

    def __init__(self, app: App) -> None:
        self.inner = SlackRequestHandler(app)
        self.calls = 0

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ["PATH_INFO"] == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        self.calls += 1
        return self.inner(environ, start_response)


class Bot:
    """A minimal Bolt app with one /profile command, served behind harden() (or not)."""

    def __init__(self) -> None:
        self.commands: list[str] = []

        def authorize(**_: Any) -> AuthorizeResult:
            return AuthorizeResult(enterprise_id=None, team_id="T0SANDBOX", bot_user_id="UBOT")

        # authorize= instead of a token: no auth.test call, so no Slack API is needed at all.
        self.app = App(
            signing_secret=SLACK_SIGNING_SECRET,
            authorize=authorize,
            client=WebClient(base_url="http://127.0.0.1:9/api/"),
        )

        @self.app.command("/profile")
        def profile(ack: Any, command: dict[str, Any]) -> None:
            self.commands.append(command["text"])
            ack("Looking that up")

        self.wsgi = Counting(self.app)


@pytest.fixture
def bot() -> Bot:
    return Bot()


@pytest.fixture
def url(bot: Bot) -> Iterator[str]:
    with serve_wsgi(harden(bot.wsgi, signing_secret=SLACK_SIGNING_SECRET)) as base:
        yield base + "/slack/events"


def signed(text: str = TYPED, *, secret: str = SLACK_SIGNING_SECRET, ts: int | None = None):
    body = command_body(text, response_url=RESPONSE_URL)
    return body, sign_headers(secret, body, ts)


# One client for the module: building one per request (its TLS context) costs ~0.1 s each.
HTTP = httpx.Client(timeout=10)


def post(url: str, body: str | bytes, headers: dict[str, str]) -> httpx.Response:
    return HTTP.post(url, content=body, headers=headers)


def raw_post(url: str, headers: dict[str, str], body: bytes, *, half_close: bool = False) -> bytes:
    """POST exactly these headers and bytes on a socket (Content-Length from the body unless
    given, none with Transfer-Encoding) and read the whole answer."""
    parts = urlsplit(url)
    lines = [f"POST {parts.path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if "Content-Length" not in headers and "Transfer-Encoding" not in headers:
        lines.append(f"Content-Length: {len(body)}")
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def test_valid_signed_request_reaches_the_listener(bot: Bot, url: str) -> None:
    body, headers = signed()
    response = post(url, body, headers)
    assert response.status_code == 200
    assert response.text == "Looking that up"
    assert bot.commands == [TYPED]


@pytest.mark.parametrize("drop", ["X-Slack-Request-Timestamp", "X-Slack-Signature"])
def test_missing_header_is_401_before_bolt(bot: Bot, url: str, drop: str) -> None:
    body, headers = signed()
    del headers[drop]
    response = post(url, body, headers)
    assert response.status_code == 401
    assert response.json() == {"error": "invalid request"}
    assert bot.wsgi.calls == 0


@pytest.mark.parametrize(
    "timestamp", ["abc", "", " ", "1e9", "-5", "١٢٣", "1_700_000_000", "9" * 40]
)
def test_malformed_timestamp_is_401_not_500(bot: Bot, url: str, timestamp: str) -> None:
    body, headers = signed()
    headers["X-Slack-Request-Timestamp"] = timestamp
    answer = raw_post(url, headers, body.encode())
    assert status_of(answer) == 401
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1]) == {"error": "invalid request"}
    assert bot.wsgi.calls == 0


def test_stock_bolt_answers_500_to_a_non_numeric_timestamp(bot: Bot) -> None:
    """Why the guard exists: without it, slack_bolt 1.30 fails inside its own middleware."""
    body, headers = signed()
    headers["X-Slack-Request-Timestamp"] = "abc"
    with serve_wsgi(bot.wsgi) as base:
        response = post(base + "/slack/events", body, headers)
    assert response.status_code == 500


@pytest.mark.parametrize("age", [301, -301, 10_000])
def test_timestamp_outside_the_window_is_401(bot: Bot, url: str, age: int) -> None:
    body, headers = signed(ts=int(time.time()) - age)
    response = post(url, body, headers)
    assert response.status_code == 401
    assert bot.wsgi.calls == 0


def test_timestamp_inside_the_window_is_accepted(bot: Bot, url: str) -> None:
    body, headers = signed(ts=int(time.time()) - 290)
    assert post(url, body, headers).status_code == 200


def test_injected_clock_decides_the_window(bot: Bot) -> None:
    body, headers = signed(ts=1_000_000)
    late = harden(bot.wsgi, signing_secret=SLACK_SIGNING_SECRET, clock=lambda: 1_000_301.0)
    with serve_wsgi(late) as base:
        assert post(base + "/slack/events", body, headers).status_code == 401
    assert bot.wsgi.calls == 0


@pytest.mark.parametrize("signature", ["v0=zz", "v1=" + "a" * 64, "v0=" + "A" * 64, "garbage"])
def test_malformed_signature_is_401_before_bolt(bot: Bot, url: str, signature: str) -> None:
    body, headers = signed()
    headers["X-Slack-Signature"] = signature
    assert post(url, body, headers).status_code == 401
    assert bot.wsgi.calls == 0


def test_wrong_signature_is_401_and_the_body_is_not_logged(bot: Bot, url: str) -> None:
    stream = io.StringIO()
    body, headers = signed(secret=SLACK_OTHER_SIGNING_SECRET)
    with preserved_logging():
        configure_logging("DEBUG", stream=stream)
        response = post(url, body, headers)
        edited = post(url, body.replace("u_typed", "u_other"), signed()[1])
    assert response.status_code == 401 and edited.status_code == 401
    assert bot.wsgi.calls == 0  # the guard checked the HMAC over the raw body; Bolt never ran
    assert bot.commands == []
    output = stream.getvalue()
    assert "u_typed_by_agent_42" not in output and "r3sp0nseT0ken" not in output


def test_refusals_log_no_part_of_the_request(
    bot: Bot, url: str, caplog: pytest.LogCaptureFixture
) -> None:
    body, headers = signed()
    headers["X-Slack-Request-Timestamp"] = "abc"
    post(url, body, headers)
    post(url, body + "&pad=" + "x" * DEFAULT_MAX_BODY_BYTES, signed()[1])
    ours = [r.getMessage() for r in caplog.records if r.name == "bot.slack.hardening"]
    assert len(ours) == 2
    assert all("u_typed" not in m and "abc" not in m and "response" not in m for m in ours)


def test_body_at_the_cap_passes_intact(bot: Bot, url: str) -> None:
    base = command_body(TYPED, response_url=RESPONSE_URL) + "&pad="
    body = base + "x" * (DEFAULT_MAX_BODY_BYTES - len(base))
    assert len(body) == DEFAULT_MAX_BODY_BYTES
    response = post(url, body, sign_headers(SLACK_SIGNING_SECRET, body))
    assert response.status_code == 200  # the signature covers every byte: nothing was lost
    assert bot.commands == [TYPED]


def test_oversized_body_is_413_without_calling_the_app(bot: Bot, url: str) -> None:
    base = command_body(TYPED, response_url=RESPONSE_URL) + "&pad="
    body = base + "x" * (DEFAULT_MAX_BODY_BYTES + 1 - len(base))
    response = post(url, body, sign_headers(SLACK_SIGNING_SECRET, body))
    assert response.status_code == 413
    assert response.json() == {"error": "request body too large"}
    assert bot.wsgi.calls == 0


def test_much_larger_body_is_refused_too(bot: Bot, url: str) -> None:
    body = "x" * (5 * 1024 * 1024)
    try:
        response = post(url, body, signed()[1])
    except httpx.TransportError:
        pass  # the server may close before reading 5 MB; what matters is the app never ran
    else:
        assert response.status_code == 413
    assert bot.wsgi.calls == 0


def test_content_length_smaller_than_the_body_is_refused(bot: Bot, url: str) -> None:
    body, headers = signed()
    headers["Content-Length"] = "40"
    answer = raw_post(url, headers, body.encode())
    assert status_of(answer) == 401  # Bolt saw 40 bytes the signature does not cover
    assert bot.commands == []


def test_content_length_larger_than_the_body_is_refused(bot: Bot, url: str) -> None:
    body, headers = signed()
    headers["Content-Length"] = str(len(body) + 100)
    answer = raw_post(url, headers, body.encode(), half_close=True)
    assert status_of(answer) == 400
    assert bot.wsgi.calls == 0


@pytest.mark.parametrize("length", ["abc", "-1", "1e3", "99999999999999999999"])
def test_malformed_content_length_is_refused(bot: Bot, url: str, length: str) -> None:
    body, headers = signed()
    headers["Content-Length"] = length
    answer = raw_post(url, headers, body.encode())
    assert status_of(answer) in (400, 413)
    assert bot.wsgi.calls == 0


def test_chunked_body_on_a_server_that_cannot_delimit_it_is_411(bot: Bot, url: str) -> None:
    body, headers = signed()
    headers["Transfer-Encoding"] = "chunked"
    chunked = f"{len(body):x}\r\n{body}\r\n0\r\n\r\n".encode()
    answer = raw_post(url, headers, chunked, half_close=True)
    assert status_of(answer) == 411
    assert bot.wsgi.calls == 0


def test_non_utf8_body_is_refused_not_500(bot: Bot, url: str) -> None:
    body = command_body(TYPED, response_url=RESPONSE_URL).encode() + b"&x=\xff\xfe"
    headers = sign_headers(SLACK_SIGNING_SECRET, body.decode("latin-1"))
    response = post(url, body, headers)
    assert response.status_code == 401  # slack_sdk signs UTF-8 text: no signature covers it
    assert bot.wsgi.calls == 0
    with serve_wsgi(harden(bot.wsgi, signing_secret=None)) as base:
        assert post(base + "/slack/events", body, {}).status_code == 400
    assert bot.wsgi.calls == 0


MALFORMED = {
    "payload=null": ("application/x-www-form-urlencoded", "payload=null"),
    "payload={not json": ("application/x-www-form-urlencoded", "payload=%7Bnot+json"),
    "form labelled JSON": ("application/json", "command=%2Fprofile&text=x"),
    "JSON array": ("application/json", "[1, 2]"),
    "JSON nested 3,000 deep": ("application/json", "[" * 3000 + "]" * 3000),
    "payload array": ("application/x-www-form-urlencoded", "payload=%5B%5D"),
    "odd shape": ("application/json", '{"type": "event_callback", "authorizations": "x"}'),
    "form of nothing Slack sends": ("application/x-www-form-urlencoded", "a=1&b=2"),
    "JSON object without a type": ("application/json", '{"event": {}}'),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_body_is_401_unsigned_and_400_signed(bot: Bot, url: str, name: str) -> None:
    content_type, body = MALFORMED[name]
    unsigned = {**sign_headers(SLACK_OTHER_SIGNING_SECRET, body), "Content-Type": content_type}
    signed_headers = {**sign_headers(SLACK_SIGNING_SECRET, body), "Content-Type": content_type}
    wrong = post(url, body, unsigned)
    right = post(url, body, signed_headers)
    assert (wrong.status_code, wrong.json()) == (401, {"error": "invalid request"})
    assert (right.status_code, right.json()) == (400, {"error": "bad request"})
    assert bot.wsgi.calls == 0


def test_stock_bolt_answers_500_to_a_signed_payload_null(bot: Bot) -> None:
    """Why the body check exists: slack_bolt 1.30 parses the body outside its error handling."""
    body = "payload=null"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    headers.update(sign_headers(SLACK_SIGNING_SECRET, body))
    with serve_wsgi(bot.wsgi) as base:
        response = post(base + "/slack/events", body, headers)
    assert response.status_code == 500


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "HEAD"])
def test_other_methods_are_405(bot: Bot, url: str, method: str) -> None:
    response = HTTP.request(method, url)
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert bot.wsgi.calls == 0


def test_other_paths_pass_through(bot: Bot, url: str) -> None:
    base = url.removesuffix("/slack/events")
    assert HTTP.get(base + "/healthz").text == "ok"
    assert HTTP.post(base + "/elsewhere", content=b"x" * 10).status_code == 404
    assert bot.wsgi.calls == 1  # only /elsewhere reached Bolt's handler (which said 404)


def test_signing_checks_can_be_off_but_the_cap_stays(bot: Bot) -> None:
    with serve_wsgi(harden(bot.wsgi, signing_secret=None, max_body_bytes=100)) as base:
        small = post(base + "/slack/events", "command=%2Fprofile&text=x", {})
        large = post(base + "/slack/events", "a=" + "x" * 200, {})
    assert small.status_code == 401  # Bolt itself still refuses the unsigned request
    assert large.status_code == 413
    assert bot.wsgi.calls == 1


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        harden(Bot().wsgi, signing_secret=SLACK_SIGNING_SECRET, max_body_bytes=0)
    with pytest.raises(ValueError):
        harden(Bot().wsgi, signing_secret=" ")


def test_terminated_input_over_the_cap_is_413_without_content_length() -> None:
    """What gunicorn hands over for a chunked body: no CONTENT_LENGTH, input_terminated."""
    called: list[bytes] = []

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        called.append(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])))
        start_response("200 OK", [])
        return [b""]

    def run(body: bytes) -> str:
        statuses: list[str] = []
        environ = {
            "PATH_INFO": "/slack/events",
            "REQUEST_METHOD": "POST",
            "HTTP_X_SLACK_REQUEST_TIMESTAMP": str(int(time.time())),
            "HTTP_X_SLACK_SIGNATURE": "v0=" + "0" * 64,
            "HTTP_TRANSFER_ENCODING": "chunked",
            "wsgi.input": io.BytesIO(body),
            "wsgi.input_terminated": True,
        }
        guard = harden(app, signing_secret=None, max_body_bytes=10)
        guard(environ, lambda s, h, e=None: statuses.append(s))
        return statuses[0]

    assert run(b"x" * 11).startswith("413")
    assert called == []
    assert run(b"command=ab").startswith("200")
    assert called == [b"command=ab"]


@pytest.fixture(scope="module")
def gunicorn_url() -> Iterator[str]:
    env = {**os.environ, "HARDENED_ECHO_MAX_BODY": "4096", "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", "--workers", "1"]
    command += ["--worker-class", WORKER_CLASS, "--no-control-socket", "--log-level", "info"]
    command += ["tests.support.hardened_echo:app"]
    proc = subprocess.Popen(command, cwd=REPO, env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        deadline = time.monotonic() + 20
        port = None
        while port is None and time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line and proc.poll() is not None:
                break
            if found := re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line):
                port = found.group(1)
        assert port, "gunicorn did not start"
        yield f"http://127.0.0.1:{port}/slack/events"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def chunked_post(url: str, body: bytes) -> httpx.Response:
    """POST with Transfer-Encoding: chunked (httpx streams an iterator without a length)."""
    headers = sign_headers(SLACK_SIGNING_SECRET, body.decode())
    return HTTP.post(url, content=iter([body[:100], body[100:]]), headers=headers)


def test_under_the_production_server_a_chunked_body_passes_intact(gunicorn_url: str) -> None:
    body = b"ssl_check=1&pad=" + os.urandom(1500).hex().encode()[:3000]
    response = chunked_post(gunicorn_url, body)
    assert response.status_code == 200
    assert response.json() == {"length": len(body), "sha256": hashlib.sha256(body).hexdigest()}


def test_under_the_production_server_a_chunked_body_over_the_cap_is_413(gunicorn_url: str) -> None:
    response = chunked_post(gunicorn_url, b"x" * 5000)
    assert response.status_code == 413
    assert json.loads(response.text) == {"error": "request body too large"}
