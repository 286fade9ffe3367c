"""`profile-bot demo`: the real /profile flow, offline, printed as the person would see it."""

from __future__ import annotations

import io
import json
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from bot.audit import AuditLog
from bot.identifiers import IdentifierError
from bot.logs import configure_logging
from bot.sandbox import ProfileApiSandbox, SlackApiSandbox, command_body, sign_headers
from bot.sandbox.wsgi_server import serve_wsgi
from bot.settings import Settings, load_settings
from bot.terminal_card import render_message
from bot.wiring import build_services, build_wsgi

DEMO_USER = "U0SANDBOX1"
DEMO_GROUP = ("S0DEMOCS01", "cs-team")
DEFAULT_IDENTIFIER = "email:jane@example.com"
CARD_TIMEOUT_SECONDS = 20.0


@dataclass(frozen=True)
class DemoResult:
    """What the person saw: the immediate answer to the command and the card that followed."""

    typed: str
    ack: dict[str, Any]
    card: dict[str, Any] | None


@contextmanager
def demo_environment() -> Iterator[tuple[Settings, ProfileApiSandbox, SlackApiSandbox]]:
    """A sandbox Profile API, a sandbox Slack Web API and settings pointing at both."""
    bot_token = "xoxb-demo-" + secrets.token_hex(8)
    with ProfileApiSandbox() as sandbox, SlackApiSandbox(bot_token=bot_token) as slack:
        slack.add_usergroup(DEMO_GROUP[0], DEMO_GROUP[1], [DEMO_USER])
        env = {
            "SLACK_BOT_TOKEN": bot_token,
            "SLACK_SIGNING_SECRET": secrets.token_hex(16),
            "SLACK_API_URL": slack.api_url,
            "SEGMENT_SPACE_ID": sandbox.space_id,
            "SEGMENT_ACCESS_TOKEN": sandbox.token,
            "SEGMENT_PROFILE_API_URL": sandbox.base_url,
            "SEGMENT_WORKSPACE_SLUG": "demo-workspace",
            "PROFILE_ALLOWED_USERGROUPS": DEMO_GROUP[1],
            "LOG_LEVEL": "WARNING",
        }
        yield load_settings(env, env_file=None), sandbox, slack


def run_lookup(text: str) -> tuple[DemoResult, list[str]]:
    """Send a signed `/profile <text>` through the real app; return what came back."""
    with demo_environment() as (settings, sandbox, slack):
        services = build_services(settings, audit=AuditLog(_Discard(), hash_key="demo"))
        try:
            with serve_wsgi(build_wsgi(settings, services)) as base_url:
                response_url = slack.new_response_url()
                body = command_body(text, user_id=DEMO_USER, response_url=response_url)
                answer = httpx.post(
                    f"{base_url}/slack/events",
                    content=body,
                    headers=sign_headers(settings.slack_signing_secret, body),
                    timeout=10,
                )
                answer.raise_for_status()
                ack = _ack_body(answer)
                card = None
                if _expects_follow_up(services.parser, text):
                    posted = slack.wait_for_responses(
                        response_url, count=1, timeout=CARD_TIMEOUT_SECONDS
                    )
                    card = posted[-1]
        finally:
            services.close()
        others = [f"{c.identifier:<34} {c.name} — {c.summary}" for c in sandbox.customers()]
        accounts = [f"{c.identifier:<34} {c.name} — {c.summary}" for c in sandbox.accounts()]
    return DemoResult(text, ack, card), [*others, "", "Accounts (B2B customers):", *accounts]


def _expects_follow_up(parser: Any, text: str) -> bool:
    stripped = text.strip()
    if not stripped or stripped.lower() == "help":
        return False
    try:
        parser.parse(stripped)
    except IdentifierError:
        return False
    return True


def _ack_body(answer: httpx.Response) -> dict[str, Any]:
    if answer.headers.get("content-type", "").startswith("application/json"):
        data = answer.json()
        return data if isinstance(data, dict) else {"text": str(data)}
    return {"text": answer.text}


class _Discard(io.StringIO):
    """An audit sink for the demo: the records would only clutter the printed card."""

    def write(self, text: str) -> int:
        return len(text)


def run_demo(identifier: str | None, *, as_json: bool = False) -> int:
    """Print the card for `identifier` (a sample customer by default); 0 when a card came back."""
    configure_logging("WARNING")
    text = identifier if identifier is not None else DEFAULT_IDENTIFIER
    try:
        result, others = run_lookup(text)
    except (TimeoutError, httpx.HTTPError) as error:
        print(
            f"profile-bot demo: the card did not arrive ({type(error).__name__})", file=sys.stderr
        )
        return 1
    final = result.card if result.card is not None else result.ack
    if as_json:
        print(json.dumps({"blocks": final.get("blocks", [])}, indent=2, ensure_ascii=False))
        return 0
    print(f"You typed:  /profile {result.typed}")
    print("Slack shows at once, only to you:")
    print(render_message(result.ack))
    if result.card is not None:
        print("\nThen the card replaces it, only visible to you:")
        print(render_message(result.card))
    if identifier is None:
        print("\nOther sample customers to try (profile-bot demo IDENTIFIER):")
        for line in others:
            print(f"  {line}")
    return 0
