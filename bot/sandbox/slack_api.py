"""A local sandbox for the Slack Web API and response_urls, recording every call."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from bot.sandbox._server import Incoming, LoopbackHttpServer, LoopbackService, Outgoing
from bot.sandbox.slack_methods import call
from bot.sandbox.slack_responses import ResponseUrls
from bot.sandbox.slack_state import (
    DEFAULT_CHANNEL_ID,
    DEFAULT_SCOPES,
    DEFAULT_USER_ID,
    Failure,
    RecordedCall,
    SlackError,
    SlackWorkspace,
)
from bot.sandbox.slack_steps import WorkflowSteps

__all__ = ["DEFAULT_SCOPES", "RecordedCall", "SlackApiSandbox"]

_JSON_FIELDS = ("blocks", "view", "attachments", "outputs")


class SlackApiSandbox(WorkflowSteps, LoopbackService):
    """Slack's Web API on 127.0.0.1 (`api_url`) plus loopback response_urls (and workflow step
    runs: slack_steps.WorkflowSteps)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_token: str = "xoxb-sandbox-token",
        team_id: str = "T0SANDBOX",
        scopes: str = DEFAULT_SCOPES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ws = SlackWorkspace(bot_token=bot_token, team_id=team_id, scopes=scopes)
        self._responses = ResponseUrls(self._ws.lock)
        self._server = LoopbackHttpServer(self._respond, host=host, port=port, clock=clock)
        # The defaults the signing helpers put in payloads, so a demo works out of the box.
        self.add_user(DEFAULT_USER_ID, email="cs.agent@example.com", name="cs-agent")
        self.add_channel(DEFAULT_CHANNEL_ID, name="customer-support")

    @property
    def scopes(self) -> str:
        """The scopes sent in `x-oauth-scopes` and checked by each method."""
        return self._ws.scopes

    @scopes.setter
    def scopes(self, value: str) -> None:
        with self._ws.lock:
            self._ws.scopes = value

    @property
    def api_url(self) -> str:
        """Base URL for WebClient, with the trailing slash: `http://127.0.0.1:PORT/api/`."""
        return f"{self._origin()}/api/"

    def _origin(self) -> str:
        return f"http://{self._server.host}:{self._server.port}"

    def add_user(
        self,
        user_id: str,
        *,
        team_id: str | None = None,
        email: str | None = None,
        name: str | None = None,
        is_bot: bool = False,
        enterprise_id: str | None = None,
    ) -> None:
        """Add (or replace) a workspace user; `team_id` differs for Slack Connect guests, and
        `enterprise_id` names an Enterprise Grid user's organisation (users.info's
        `enterprise_user`)."""
        with self._ws.lock:
            self._ws.add_user(
                user_id,
                team_id=team_id,
                email=email,
                name=name,
                is_bot=is_bot,
                enterprise_id=enterprise_id,
            )

    def add_usergroup(
        self, group_id: str, handle: str, members: Iterable[str], *, name: str | None = None
    ) -> None:
        """Add (or replace) a user group."""
        with self._ws.lock:
            self._ws.add_usergroup(group_id, handle, list(members), name or handle)

    def set_members(self, group_id: str, members: Iterable[str]) -> None:
        """Replace a group's members (KeyError if the group is unknown)."""
        with self._ws.lock:
            self._ws.groups[group_id]["users"] = list(members)

    def add_channel(
        self,
        channel_id: str,
        *,
        is_ext_shared: bool = False,
        is_member: bool = True,
        name: str | None = None,
        is_private: bool = False,
        is_im: bool = False,
        is_mpim: bool = False,
    ) -> None:
        """Add (or replace) a conversation."""
        with self._ws.lock:
            self._ws.add_channel(
                channel_id,
                is_ext_shared=is_ext_shared,
                is_member=is_member,
                name=name,
                is_private=is_private,
                is_im=is_im,
                is_mpim=is_mpim,
            )

    def add_message(self, channel_id: str, message: dict[str, Any]) -> None:
        """Put a message into a conversation's history (conversations.replies reads it)."""
        with self._ws.lock:
            self._ws.messages.setdefault(channel_id, []).append(json.loads(json.dumps(message)))

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        """The Home tab last published for `user_id`, or None."""
        with self._ws.lock:
            view_id = self._ws.home_views.get(user_id)
            view = self._ws.views.get(view_id) if view_id else None
            return None if view is None else dict(json.loads(json.dumps(view)))

    def dm_channel(self, user_id: str) -> str:
        """The bot's DM channel id with `user_id` (what chat.postMessage to the user answers)."""
        return self._ws.dm_channel(user_id)

    def fail(
        self,
        method: str,
        error: str,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        times: int | None = None,
    ) -> None:
        """Make the next `times` calls of `method` (None: all) answer `ok: false` with `error`."""
        with self._ws.lock:
            self._ws.failures[method] = Failure(error, status, dict(headers or {}), times)

    def clear_failures(self) -> None:
        """Drop every injected method failure."""
        with self._ws.lock:
            self._ws.failures.clear()

    def expire_trigger(self, trigger_id: str) -> None:
        """Make views.open/push with this trigger answer `expired_trigger_id`."""
        with self._ws.lock:
            self._ws.expired_triggers.add(trigger_id)

    def calls(self, method: str | None = None) -> list[RecordedCall]:
        """Web API calls received, oldest first (one method, or all)."""
        with self._ws.lock:
            return [c for c in self._ws.calls if method is None or c.method == method]

    def wait_for_calls(
        self, method: str, count: int = 1, timeout: float = 5.0
    ) -> list[RecordedCall]:
        """Block until `count` calls of `method` arrived; TimeoutError otherwise."""
        with self._ws.lock:
            if not self._ws.lock.wait_for(lambda: len(self.calls(method)) >= count, timeout):
                raise TimeoutError(f"expected {count} call(s) of {method}")
            return self.calls(method)

    def views(self) -> dict[str, dict[str, Any]]:
        """view_id → the latest view posted with views.open/update/push."""
        with self._ws.lock:
            return json.loads(json.dumps(self._ws.views))  # type: ignore[no-any-return]

    def new_response_url(self) -> str:
        """A fresh response_url on this server (at most 5 posts, like Slack's)."""
        return self._origin() + self._responses.create()

    def fail_response_url(
        self,
        url: str,
        status: int = 404,
        body: str = "expired_url",
        headers: dict[str, str] | None = None,
    ) -> None:
        """Make posts to this response_url answer `status` with a plain-text `body` (and
        `headers`, e.g. a Location for a redirect)."""
        self._responses.fail(_path(url), status, body, headers)

    def responses(self, url: str | None = None) -> list[dict[str, Any]]:
        """JSON bodies accepted by response_urls (one URL, or all in arrival order)."""
        return self._responses.bodies(None if url is None else _path(url))

    def wait_for_responses(
        self, url: str, count: int = 1, timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        """Block until `count` bodies were posted to `url`; TimeoutError otherwise."""
        return self._responses.wait(_path(url), count, timeout)

    def _respond(self, incoming: Incoming) -> Outgoing:
        if incoming.raw_path.startswith("/response/"):
            return self._responses.post(incoming)
        if not incoming.raw_path.startswith("/api/"):
            return Outgoing(404, b"not found", {"Content-Type": "text/plain"})
        method = incoming.raw_path[len("/api/") :]
        params = _params(incoming)
        token = params.pop("token", None)
        auth = incoming.headers.get("Authorization") or ""
        if auth.lower().startswith("bearer "):
            token = auth[len("bearer ") :].strip()
        status, headers = 200, {"x-oauth-scopes": self.scopes}
        with self._ws.lock:
            self._ws.calls.append(RecordedCall(method, params, incoming.at))
            self._ws.lock.notify_all()
            failure = self._ws.take_failure(method)
            try:
                if failure is not None:
                    status = failure.status
                    headers.update(failure.headers)
                    raise SlackError(failure.error)
                if not token:
                    raise SlackError("not_authed")
                if token != self._ws.bot_token and token not in self._ws.workflow_tokens:
                    raise SlackError("invalid_auth")
                answer = call(self._ws, method, params)
            except SlackError as error:
                answer = {"ok": False, "error": error.code, **error.extra}
        body = json.dumps(answer).encode("utf-8")
        headers["Content-Type"] = "application/json; charset=utf-8"
        return Outgoing(status, body, headers)


def _params(incoming: Incoming) -> dict[str, Any]:
    """Query and body parameters; JSON-string fields (blocks, view) are decoded."""
    params: dict[str, Any] = dict(parse_qsl(incoming.query_string, keep_blank_values=True))
    content_type = (incoming.headers.get("Content-Type") or "").lower()
    if incoming.body and "json" in content_type:
        try:
            data = json.loads(incoming.body)
        except ValueError:
            data = None
        if isinstance(data, dict):
            params.update(data)
    elif incoming.body:
        text = incoming.body.decode("utf-8", errors="replace")
        params.update(parse_qsl(text, keep_blank_values=True))
    for name in _JSON_FIELDS:
        if isinstance(params.get(name), str):
            with contextlib.suppress(ValueError):
                params[name] = json.loads(params[name])
    return params


def _path(url: str) -> str:
    marker = url.find("/response/")
    if marker < 0:
        raise ValueError("not a response_url of this sandbox")
    return url[marker:]
