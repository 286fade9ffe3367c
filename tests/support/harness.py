"""BotHarness: the real bot served over loopback HTTP, with the Profile API sandbox and the Slack
sandbox behind it. Requests are signed exactly as Slack signs them and sent over a socket; every
card that reaches Slack (ack bodies, response_url posts, views, chat.postMessage) is checked with
the Block Kit validator."""

from __future__ import annotations

import itertools
import json
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx

from bot.sandbox import credentials as test_secrets
from bot.sandbox.profile_api import ProfileApiSandbox
from bot.sandbox.signing import command_body, interaction_body, sign_headers
from bot.sandbox.slack_api import SlackApiSandbox
from bot.sandbox.wsgi_server import LoopbackWsgiServer
from bot.settings import Settings, load_settings
from bot.slack.services import AppServices
from bot.wiring import build_access_checker, build_app, build_services, build_wsgi
from tests.support.blockkit import assert_valid_message, assert_valid_view
from tests.support.step_manifest import declare_step

TEAM = "T0SANDBOX"
OTHER_TEAM = "T0OTHERORG"
GROUP_ID = "S0CSTEAM"
GROUP_HANDLE = "cs-team"
MEMBER = "U0MEMBER1"
MEMBER_2 = "U0MEMBER2"
OUTSIDER = "U0OUTSIDER"
CUSTOMER = "U0CUSTOMER1"  # a Slack Connect customer from another organisation
COLLEAGUE = "U0COLLEAGUE"  # a workspace member who is not in the group
CHANNEL = "C0SUPPORT"
EXT_CHANNEL = "C0EXTSHARED"
NOBOT_CHANNEL = "C0NOBOT"
JANE = "jane@example.com"
# The deprecated verification token every payload still carries; the bot must ignore it.
LEGACY_TOKEN = "gIkuvaNzQIHg97ATvDxqgjtO"
USERS = (MEMBER, MEMBER_2, OUTSIDER, CUSTOMER, COLLEAGUE)


@dataclass
class Sent:
    """One signed request the harness sent, and what came back."""

    response: httpx.Response
    elapsed: float
    body: str
    headers: dict[str, str]
    response_url: str | None = None
    trigger_id: str | None = None

    def json(self) -> Any:
        """The ack body as JSON (commands, view submissions)."""
        return self.response.json()


class BotHarness:
    """The bot on 127.0.0.1 with its sandboxes; see the module docstring."""

    def __init__(
        self,
        tmp_path: Path,
        *,
        env: dict[str, str] | None = None,
        gate_cooldown: float = 0.2,
        configure: Callable[[BotHarness], None] | None = None,
        services_factory: Callable[[Settings], AppServices] | None = None,
    ) -> None:
        self.sandbox = ProfileApiSandbox(
            token=test_secrets.SEGMENT_ACCESS_TOKEN, space_id=test_secrets.SEGMENT_SPACE_ID
        ).start()
        self.slack = SlackApiSandbox(bot_token=test_secrets.SLACK_BOT_TOKEN, team_id=TEAM).start()
        self._seed_slack()
        if configure is not None:
            configure(self)
        tmp_path.mkdir(parents=True, exist_ok=True)
        self.audit_path = tmp_path / "audit.jsonl"
        environ = test_secrets.settings_environ(
            SLACK_API_URL=self.slack.api_url,
            SEGMENT_PROFILE_API_URL=self.sandbox.base_url,
            PROFILE_ALLOWED_USERGROUPS=GROUP_HANDLE,
            AUDIT_LOG_PATH=str(self.audit_path),
            AUDIT_CLEAR_IDENTIFIERS="false",
            PROFILE_LOOKUP_DEADLINE_SECONDS="2",
            SEGMENT_RATE_LIMIT_RPS="100",
            SEGMENT_WORKSPACE_SLUG="acme-workspace",
            PROFILE_WORKER_THREADS="16",
        )
        environ.update(env or {})
        self.settings: Settings = load_settings(environ, env_file=None)
        # `services_factory` lets a test wire collaborators through their public constructors
        # (e.g. a circuit breaker on a clock it controls); default: the real build_services.
        services = (services_factory or build_services)(self.settings)
        # A short pause after a Slack failure keeps the fail-closed tests fast.
        access = build_access_checker(
            self.settings, services.state.memberships, error_cooldown=gate_cooldown
        )
        self.services: AppServices = replace(services, access=access)
        self.app = build_app(self.settings, self.services)
        wsgi = build_wsgi(self.settings, self.services, app=self.app)
        self._server = LoopbackWsgiServer(wsgi).start()
        self.url = self._server.url
        self.http = httpx.Client(base_url=self.url, timeout=10.0, verify=False)  # plain http
        self._triggers = itertools.count(1)
        self.acks: list[tuple[str, Any]] = []  # (surface, card) from ack bodies, validated at close

    def _seed_slack(self) -> None:
        slack_api = self.slack
        for user in (MEMBER, MEMBER_2, OUTSIDER, COLLEAGUE):
            slack_api.add_user(user, email=f"{user.lower()}@ourcompany.example", name=user.lower())
        slack_api.add_user(CUSTOMER, team_id=OTHER_TEAM, email=JANE, name="jane")
        slack_api.add_usergroup(GROUP_ID, GROUP_HANDLE, [MEMBER, MEMBER_2], name="CS team")
        slack_api.add_channel(CHANNEL, name="cust-support")
        slack_api.add_channel(EXT_CHANNEL, name="acme-shared", is_ext_shared=True)
        slack_api.add_channel(NOBOT_CHANNEL, name="no-bot", is_member=False)
        declare_step(slack_api)  # the app as created from manifest.yml has the workflow step

    # -- sending --------------------------------------------------------------------------

    def new_trigger_id(self) -> str:
        """A fresh trigger_id shaped like Slack's."""
        return f"{next(self._triggers)}{secrets.randbelow(10**9)}.738474920.{secrets.token_hex(16)}"

    def send(
        self,
        body: str,
        *,
        secret: str | None = None,
        timestamp: int | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> tuple[httpx.Response, float, dict[str, str]]:
        """POST a body to /slack/events, signed (with `secret`, default the real one)."""
        headers = sign_headers(
            secret or self.settings.slack_signing_secret, body, timestamp=timestamp
        )
        headers.update(extra_headers or {})
        started = time.monotonic()
        response = self.http.post("/slack/events", content=body.encode(), headers=headers)
        return response, time.monotonic() - started, headers

    def post_command(
        self,
        text: str,
        *,
        user: str = MEMBER,
        channel: str = CHANNEL,
        team: str = TEAM,
    ) -> Sent:
        """`/profile <text>` from `user`; its ack body (an ephemeral message) is validated."""
        url = self.slack.new_response_url()
        trigger = self.new_trigger_id()
        body = command_body(
            text,
            user_id=user,
            team_id=team,
            channel_id=channel,
            response_url=url,
            trigger_id=trigger,
        )
        response, elapsed, headers = self.send(body)
        if response.status_code == 200 and response.content.startswith(b"{"):
            self.acks.append(("message", response.json()))
        return Sent(response, elapsed, body, headers, url, trigger)

    def post_interaction(self, payload: dict[str, Any]) -> Sent:
        """Any interactivity payload, signed and form-encoded as `payload=…`."""
        body = interaction_body(payload)
        response, elapsed, headers = self.send(body)
        return Sent(
            response,
            elapsed,
            body,
            headers,
            payload.get("response_url"),
            payload.get("trigger_id"),
        )

    def post_shortcut(
        self,
        message: dict[str, Any],
        *,
        user: str = MEMBER,
        channel: str = CHANNEL,
        trigger_id: str | None = None,
    ) -> Sent:
        """The "Look up customer" message shortcut on `message` (slack-platform.md §1.3)."""
        payload = {
            "type": "message_action",
            "token": LEGACY_TOKEN,
            "action_ts": f"{time.time():.6f}",
            "team": {"id": TEAM, "domain": "sandbox"},
            "user": {"id": user, "name": user.lower(), "team_id": TEAM},
            "channel": {"id": channel, "name": "cust-support"},
            "is_enterprise_install": False,
            "callback_id": "lookup_profile",
            "trigger_id": trigger_id or self.new_trigger_id(),
            "message_ts": message.get("ts", "1699999999.000200"),
            "response_url": self.slack.new_response_url(),
            "message": message,
        }
        return self.post_interaction(payload)

    def post_action(
        self,
        action_id: str,
        value: str,
        *,
        user: str = MEMBER,
        channel: str = CHANNEL,
        view_id: str | None = None,
    ) -> Sent:
        """A button press: in an ephemeral message, or in the modal `view_id` when given."""
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
            "api_app_id": "A0SANDBOXAPP",
            "token": LEGACY_TOKEN,
            "trigger_id": self.new_trigger_id(),
            "team": {"id": TEAM, "domain": "sandbox"},
            "enterprise": None,
            "is_enterprise_install": False,
            "state": {"values": {}},
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "b1",
                    "value": value,
                    "text": {"type": "plain_text", "text": "button"},
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        if view_id is None:
            payload["container"] = {
                "type": "message",
                "message_ts": "1700000001.000300",
                "channel_id": channel,
                "is_ephemeral": True,
            }
            payload["channel"] = {"id": channel, "name": "cust-support"}
            payload["response_url"] = self.slack.new_response_url()
        else:
            payload["container"] = {"type": "view", "view_id": view_id}
            payload["view"] = self.slack.views()[view_id]
        return self.post_interaction(payload)

    def post_view_submission(
        self,
        view_id: str,
        *,
        user: str = MEMBER,
        values: dict[str, dict[str, str]] | None = None,
    ) -> Sent:
        """Submit the modal `view_id` as the sandbox holds it; `values`: block → action → text."""
        view = self.slack.views()[view_id]
        view["state"] = {
            "values": {
                block: {
                    action: {"type": "plain_text_input", "value": text}
                    for action, text in inputs.items()
                }
                for block, inputs in (values or {}).items()
            }
        }
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM, "domain": "sandbox"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
            "api_app_id": "A0SANDBOXAPP",
            "token": LEGACY_TOKEN,
            "trigger_id": self.new_trigger_id(),
            "view": view,
            "response_urls": [],
        }
        sent = self.post_interaction(payload)
        if sent.response.status_code == 200 and sent.response.content.startswith(b"{"):
            answer = sent.response.json()
            if answer.get("response_action") in ("update", "push"):
                self.acks.append(("view", answer["view"]))
        return sent

    def post_event(
        self,
        event: dict[str, Any],
        *,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        event_id: str | None = None,
    ) -> Sent:
        """An Events API delivery (event_callback) carrying `event` (`event_id`: a re-delivery
        repeats the first delivery's; `retry_reason` is Slack's X-Slack-Retry-Reason)."""
        payload = {
            "token": LEGACY_TOKEN,
            "team_id": TEAM,
            "api_app_id": "A0SANDBOXAPP",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or "Ev" + secrets.token_hex(5).upper(),
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM, "user_id": "U0SANDBOXBOT", "is_bot": True}],
        }
        body = json.dumps(payload)
        extra = {"Content-Type": "application/json"}
        if retry_num is not None:
            extra.update(
                {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
            )
        response, elapsed, headers = self.send(body, extra_headers=extra)
        return Sent(response, elapsed, body, headers)

    # -- waiting and reading ----------------------------------------------------------------

    def wait_response(
        self, url: str | None, count: int = 1, timeout: float = 5.0
    ) -> dict[str, Any]:
        """The `count`-th body posted to `url` (validated as a message)."""
        assert url is not None
        bodies = self.slack.wait_for_responses(url, count, timeout)
        assert_valid_message(bodies[count - 1])
        return bodies[count - 1]

    def wait_view(
        self,
        predicate: Callable[[dict[str, Any]], bool],
        *,
        timeout: float = 5.0,
    ) -> tuple[str, dict[str, Any]]:
        """(view_id, view) of the first view the sandbox holds that satisfies `predicate`."""
        deadline = time.monotonic() + timeout
        while True:
            for view_id, view in self.slack.views().items():
                if predicate(view):
                    assert_valid_view(_postable_view(view))
                    return view_id, view
            if time.monotonic() > deadline:
                raise TimeoutError(
                    "no matching view; views: " + json.dumps(self.slack.views())[:2000]
                )
            time.sleep(0.01)

    def audit_records(self) -> list[dict[str, Any]]:
        """Every audit record written so far."""
        if not self.audit_path.exists():
            return []
        lines = self.audit_path.read_text().splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def wait_audit(
        self, count: int = 1, *, timeout: float = 5.0, **match: Any
    ) -> list[dict[str, Any]]:
        """Wait until at least `count` audit records match every `field=value` in `match`."""
        deadline = time.monotonic() + timeout
        while True:
            found = [
                r for r in self.audit_records() if all(r.get(k) == v for k, v in match.items())
            ]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.01)

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Poll `predicate` until true (events are handled after their ack)."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError("condition not met")
            time.sleep(0.01)

    def membership_dropped(self, group_id: str = GROUP_ID) -> bool:
        """True once the cached membership of `group_id` is gone (after a subteam event)."""
        return self.services.state.memberships.get(group_id) is None

    def settle(self, timeout: float = 5.0) -> None:
        """Wait until no job is running or queued."""
        deadline = time.monotonic() + timeout
        while self.services.jobs.pending and time.monotonic() < deadline:
            time.sleep(0.01)

    # -- validation and teardown ------------------------------------------------------------

    def validate_everything(self) -> None:
        """Validate every card that reached Slack so far with the Block Kit validator."""
        for surface, card in self.acks:
            (assert_valid_view if surface == "view" else assert_valid_message)(card)
        for body in self.slack.responses():
            if body.get("delete_original"):
                continue
            assert_valid_message(body)
        for call in self.slack.calls():
            if call.method in ("views.open", "views.update", "views.push", "views.publish"):
                assert_valid_view(call.params["view"])
            elif call.method in ("chat.postMessage", "chat.postEphemeral"):
                posted = {k: call.params[k] for k in ("text", "blocks") if k in call.params}
                assert_valid_message(posted, allowed_mentions=USERS)

    def close(self) -> None:
        """Stop everything; validate the cards first."""
        try:
            self.settle()
            self.validate_everything()
        finally:
            self.http.close()
            self._server.stop()
            self.services.close()
            self.slack.stop()
            self.sandbox.stop()


def _postable_view(stored: dict[str, Any]) -> dict[str, Any]:
    """The parts of a stored view that the bot posted (the sandbox adds id, hash, state…)."""
    keys = ("type", "title", "close", "submit", "blocks", "private_metadata", "callback_id")
    return {k: stored[k] for k in keys if stored.get(k) is not None}


def find_buttons(card: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every button element in a message or view."""
    for block in card.get("blocks", []):
        elements = list(block.get("elements", []))
        if isinstance(block.get("accessory"), dict):
            elements.append(block["accessory"])
        for element in elements:
            if isinstance(element, dict) and element.get("type") == "button":
                yield element


def button(card: dict[str, Any], action_id: str) -> dict[str, Any]:
    """The button with `action_id` in `card` (AssertionError if absent)."""
    for element in find_buttons(card):
        if element.get("action_id") == action_id:
            return element
    raise AssertionError(f"no {action_id} button in card: {json.dumps(card)[:1500]}")


def has_button(card: dict[str, Any], action_id: str) -> bool:
    """True when `card` has a button with `action_id`."""
    return any(e.get("action_id") == action_id for e in find_buttons(card))


def card_text(card: dict[str, Any]) -> str:
    """All text in a card (fallback text and every text object), for content assertions."""
    return json.dumps(card, ensure_ascii=False)
