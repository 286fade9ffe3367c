"""A hardened echo WSGI app, importable by gunicorn in tests: answers with the body's size and hash.

The production server (gunicorn + bot.serve_http's waitress worker) decodes chunked bodies and
sets wsgi.input_terminated, which wsgiref does not; this app lets the hardening tests cover that
path over real HTTP.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIEnvironment

from bot.sandbox.credentials import SLACK_SIGNING_SECRET
from bot.slack.hardening import harden


def echo(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """200 with {"length", "sha256"} of the body the app was handed (on /forwarded: the
    X-Forwarded-For header the app was handed, if any)."""
    if environ.get("PATH_INFO") == "/forwarded":
        out = json.dumps({"x_forwarded_for": environ.get("HTTP_X_FORWARDED_FOR")}).encode()
    else:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        digest = hashlib.sha256(body).hexdigest()
        out = json.dumps({"length": len(body), "sha256": digest}).encode()
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(out)))]
    )
    return [out]


app = harden(
    echo,
    signing_secret=SLACK_SIGNING_SECRET,
    max_body_bytes=int(os.environ.get("HARDENED_ECHO_MAX_BODY", "4096")),
)
