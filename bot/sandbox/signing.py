"""Build and sign request bodies the way Slack sends them (for tests, the demo and benchmarks)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any
from urllib.parse import quote_plus, urlencode


def signature(signing_secret: str, body: str, timestamp: int) -> str:
    """Slack's v0 signature: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


def sign_headers(signing_secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """Headers for a signed form POST (timestamp defaults to now)."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": signature(signing_secret, body, ts),
    }


def new_trigger_id() -> str:
    """A fresh trigger_id shaped like Slack's (`13345224609.738474920.8088930838d88f008e0`)."""
    return f"{secrets.randbelow(10**11)}.{secrets.randbelow(10**9)}.{secrets.token_hex(16)}"


def command_body(
    text: str,
    *,
    user_id: str = "U0SANDBOX1",
    team_id: str = "T0SANDBOX",
    channel_id: str = "C0SANDBOX1",
    response_url: str,
    trigger_id: str | None = None,
    command: str = "/profile",
) -> str:
    """A slash-command body with Slack's fields in Slack's order (fresh trigger_id by default)."""
    return urlencode(
        {
            "token": "sandbox-verification-token",
            "team_id": team_id,
            "team_domain": "sandbox",
            "channel_id": channel_id,
            "channel_name": "customer-support",
            "user_id": user_id,
            "user_name": "cs-agent",
            "command": command,
            "text": text,
            "api_app_id": "A0SANDBOXAPP",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id or new_trigger_id(),
        }
    )


def interaction_body(payload: dict[str, Any]) -> str:
    """An interactivity body: `payload=` + the URL-encoded JSON payload."""
    return "payload=" + quote_plus(json.dumps(payload))
