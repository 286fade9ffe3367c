"""The WSGI entry point: Slack's requests on POST /slack/events, a health check on GET /healthz."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.slack.hardening import EVENTS_PATH, harden

HEALTH_PATH = "/healthz"


def build_wsgi_app(
    app: App,
    *,
    signing_secret: str | None,
    mode: str,
    health: Callable[[], Mapping[str, Any]] | None = None,
) -> WSGIApplication:
    """Route Slack's POSTs to Bolt (behind `harden`), answer /healthz, 404 everything else.

    `signing_secret` is checked over the raw body before Bolt parses anything (None: no
    signature checks, as in Socket Mode, where Slack's requests do not come over HTTP).
    `mode` (http or socket) is reported by /healthz.

    `health` may add fields to the /healthz body (e.g. the Segment circuit breaker's state);
    it must never return secrets.
    """
    slack = harden(SlackRequestHandler(app, path=EVENTS_PATH), signing_secret=signing_secret)

    def wsgi(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        method = str(environ.get("REQUEST_METHOD") or "GET").upper()
        if path == EVENTS_PATH:
            if method != "POST":
                return _json(start_response, "405 Method Not Allowed", {"ok": False}, ["POST"])
            result: Iterable[bytes] = slack(environ, start_response)
            return result
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            body: dict[str, Any] = {"ok": True, "mode": mode}
            if health is not None:
                body.update(health())
            return _json(start_response, "200 OK", body)
        return _json(start_response, "404 Not Found", {"ok": False, "error": "not_found"})

    return wsgi


def _json(
    start_response: StartResponse,
    status: str,
    body: Mapping[str, Any],
    allow: list[str] | None = None,
) -> list[bytes]:
    data = json.dumps(body).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    if allow:
        headers.append(("Allow", ", ".join(allow)))
    start_response(status, headers)
    return [data]
