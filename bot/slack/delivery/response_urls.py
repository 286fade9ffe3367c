"""Where a response_url may point, and posting to one without following redirects.

A response_url arrives inside the request: a signed request is proof that Slack sent it, not that
the URL is Slack's (a payload field is only as trustworthy as whoever typed it into a tool that
signs). The card is customer data, so it goes only to Slack's own response_url host or to the
origin of SLACK_API_URL (the Slack sandbox, a test stand-in, or an operator's proxy, which the
operator chose), over one request: a redirect is an answer, never a second destination.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
from typing import Any
from urllib.parse import urlsplit

import httpx

logger = logging.getLogger(__name__)

# Slack's documented response_url host (`/commands/…`, `/actions/…`, `/app/…`): every example in
# Slack's docs and the shared reference. Enterprise Grid documents no host of its own.
# GovSlack: Slack says GovSlack "runs on the separate domain slack-gov.com"; no official page we
# could retrieve names `hooks.slack-gov.com`, only third-party code does. We accept it anyway:
# whatever the exact host, a subdomain of slack-gov.com is Slack's, so allowing it can only send a
# card to Slack; leaving it out would silently break every response_url of a GovSlack install.
SLACK_RESPONSE_URL_HOSTS = frozenset({"hooks.slack.com", "hooks.slack-gov.com"})
REFUSED = "untrusted_response_url"


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL without userinfo; None for anything else."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("https", "http") or not parts.hostname or "@" in parts.netloc:
        return None
    host = _loopback_as_one(parts.hostname.lower())
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80)


def _loopback_as_one(host: str) -> str:
    """`localhost`, 127.0.0.0/8 and ::1 name this machine alike (a loopback SLACK_API_URL may be
    written `localhost` while the stand-in hands out 127.0.0.1 URLs); any other name is itself."""
    if host == "localhost":
        return "loopback"
    try:
        return "loopback" if ipaddress.ip_address(host).is_loopback else host
    except ValueError:
        return host


def allowed_response_url(url: str, api_base_url: str | None) -> bool:
    """True for https on a Slack response_url host, or a URL on the origin of `api_base_url`."""
    origin = _origin(url)
    if origin is None:
        return False
    if origin[0] == "https" and origin[1] in SLACK_RESPONSE_URL_HOSTS and origin[2] == 443:
        return True
    return api_base_url is not None and origin == _origin(api_base_url)


_client_lock = threading.Lock()
_client: httpx.Client | None = None


def _shared_client() -> httpx.Client:
    # One client for every post: each new httpx client builds an SSL context (about 10 ms of CPU,
    # most of a card's own cost), and its pool keeps the connection to hooks.slack.com warm.
    # Made on first use, so a gunicorn master never hands its pool to forked workers.
    global _client
    with _client_lock:
        if _client is None:
            _client = httpx.Client(follow_redirects=False)
        return _client


def post_response(url: str, body: dict[str, Any], *, timeout: float) -> httpx.Response:
    """POST `body` as JSON to `url`, once: a 3xx is returned as is, never followed."""
    return _shared_client().post(url, json=body, timeout=timeout, follow_redirects=False)
