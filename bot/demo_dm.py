"""`profile-bot demo --dm TEXT`: a DM to the bot, offline, printed as the person would see it.

A signed message.im event goes through the real app; the replies it posts into the DM (cards,
a picker or the help text) are read back from the sandbox Slack and printed.
"""

from __future__ import annotations

import json
import secrets
import sys
import time
from typing import Any

import httpx

from bot.audit import AuditLog
from bot.demo import DEMO_USER, _Discard, demo_environment
from bot.logs import configure_logging
from bot.sandbox import sign_headers
from bot.sandbox.wsgi_server import serve_wsgi
from bot.terminal_card import render_message
from bot.wiring import build_services, build_wsgi

REPLY_TIMEOUT_SECONDS = 20.0


def dm_event_body(text: str, *, channel: str, team_id: str = "T0SANDBOX") -> str:
    """A message.im event_callback from the demo user, as Slack sends it (JSON)."""
    ts = f"{time.time():.6f}"
    event = {
        "type": "message",
        "channel": channel,
        "user": DEMO_USER,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": "im",
    }
    return json.dumps(
        {
            "token": "demo",
            "team_id": team_id,
            "api_app_id": "A0SANDBOXAPP",
            "event": event,
            "type": "event_callback",
            "event_id": "Ev" + secrets.token_hex(5).upper(),
            "event_time": int(time.time()),
        }
    )


def run_dm(text: str) -> list[dict[str, Any]]:
    """Send `text` to the bot's DM through the real app; the messages it answered with."""
    with demo_environment() as (settings, _sandbox, slack):
        services = build_services(settings, audit=AuditLog(_Discard(), hash_key="demo"))
        try:
            with serve_wsgi(build_wsgi(settings, services)) as base_url:
                body = dm_event_body(text, channel=slack.dm_channel(DEMO_USER))
                headers = sign_headers(settings.slack_signing_secret, body)
                headers["Content-Type"] = "application/json"
                answer = httpx.post(
                    f"{base_url}/slack/events", content=body, headers=headers, timeout=10
                )
                answer.raise_for_status()
                slack.wait_for_calls("chat.postMessage", 1, timeout=REPLY_TIMEOUT_SECONDS)
                deadline = time.monotonic() + REPLY_TIMEOUT_SECONDS
                while services.jobs.pending and time.monotonic() < deadline:
                    time.sleep(0.02)  # several identifiers: wait for every card
                replies = [c.params for c in slack.calls("chat.postMessage")]
        finally:
            services.close()
    return replies


def run_dm_demo(text: str, *, as_json: bool = False) -> int:
    """Print the DM exchange for `text`; 0 when the bot answered."""
    configure_logging("WARNING")
    try:
        replies = run_dm(text)
    except (TimeoutError, httpx.HTTPError) as error:
        print(f"profile-bot demo: no answer in the DM ({type(error).__name__})", file=sys.stderr)
        return 1
    if as_json:
        shown = [{"blocks": r.get("blocks", [])} for r in replies]
        print(json.dumps(shown, indent=2, ensure_ascii=False))
        return 0
    print(f"You write to @profile-bot in its DM:  {text}")
    for reply in replies:
        print("\nprofile-bot answers in the DM (only you and the bot are in it):")
        print(render_message(reply))
    return 0
