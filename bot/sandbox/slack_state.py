"""The Slack sandbox's workspace: users, groups, channels, views, triggers and recorded calls."""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

DEFAULT_SCOPES = (
    "commands,chat:write,usergroups:read,users:read,users:read.email,"
    "channels:read,groups:read,im:read,mpim:read,"
    "app_mentions:read,im:history,channels:history,groups:history,mpim:history"
)
BOT_USER_ID = "U0SANDBOXBOT"
BOT_ID = "B0SANDBOXBOT"
APP_ID = "A0SANDBOXAPP"
DEFAULT_USER_ID = "U0SANDBOX1"
DEFAULT_CHANNEL_ID = "C0SANDBOX1"


@dataclass(frozen=True)
class RecordedCall:
    """One Web API call: the method name and its parameters (without the token)."""

    method: str
    params: dict[str, Any]
    at: float


@dataclass
class Failure:
    """An injected error for the next `times` calls of a method (None: every call)."""

    error: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    times: int | None = None


class SlackError(Exception):
    """A Web API error answer: `{"ok": false, "error": code, **extra}`."""

    def __init__(self, code: str, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.extra = extra


class SlackWorkspace:
    """Everything the sandbox knows; every attribute is guarded by `lock` (a Condition)."""

    def __init__(self, *, bot_token: str, team_id: str, scopes: str) -> None:
        self.bot_token = bot_token
        self.team_id = team_id
        self.scopes = scopes
        self.lock = threading.Condition(threading.RLock())
        self.users: dict[str, dict[str, Any]] = {}
        self.groups: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.home_views: dict[str, str] = {}  # user id → the view id of their Home tab
        self.messages: dict[str, list[dict[str, Any]]] = {}  # channel → messages, oldest first
        self.used_triggers: set[str] = set()
        self.expired_triggers: set[str] = set()
        self.failures: dict[str, Failure] = {}
        self.calls: list[RecordedCall] = []
        # Workflow steps (slack_functions.py): declared functions by callback_id, executions by
        # function_execution_id, the short-lived tokens Slack hands each execution, who may add
        # each step to a workflow, and whether the plan allows custom steps at all.
        self.functions: dict[str, dict[str, Any]] = {}
        self.executions: dict[str, dict[str, Any]] = {}
        self.workflow_tokens: set[str] = set()
        self.distributions: dict[str, dict[str, Any]] = {}
        self.steps_refusal: str | None = None  # an error code: the plan has no custom steps
        self._sequence = itertools.count(1)

    def scope_set(self) -> set[str]:
        """The granted scopes as a set."""
        return {s.strip() for s in self.scopes.split(",") if s.strip()}

    def next_ts(self) -> str:
        """A fresh, increasing message timestamp like Slack's `1700000000.000100`."""
        return f"{int(time.time())}.{next(self._sequence):06d}"

    def new_view_id(self) -> str:
        """A fresh view id."""
        return "V" + secrets.token_hex(5).upper()

    def new_hash(self) -> str:
        """A fresh view hash."""
        return f"{time.time():.6f}.{secrets.token_urlsafe(6)}"

    def dm_channel(self, user_id: str) -> str:
        """The id of the bot's DM with `user_id` (Slack's are D…; ours are derived)."""
        return "D" + user_id[1:]

    def take_failure(self, method: str) -> Failure | None:
        """The injected failure for this call, if any, counting it against `times`."""
        failure = self.failures.get(method)
        if failure is None:
            return None
        if failure.times is not None:
            failure.times -= 1
            if failure.times <= 0:
                del self.failures[method]
        return failure

    def add_user(
        self,
        user_id: str,
        *,
        team_id: str | None,
        email: str | None,
        name: str | None,
        is_bot: bool,
        enterprise_id: str | None = None,
    ) -> None:
        """Register a user (callers hold the lock)."""
        display = name or user_id.lower()
        self.users[user_id] = {
            "id": user_id,
            "team_id": team_id or self.team_id,
            "name": display,
            "real_name": display,
            "deleted": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "tz": "America/Los_Angeles",
            "profile": {
                "real_name": display,
                "display_name": display,
                "email": email,
                "team": team_id or self.team_id,
            },
        }
        if enterprise_id is not None:
            # As users.info shows a Grid user: their org and the org's workspaces they are in.
            self.users[user_id]["enterprise_user"] = {
                "id": user_id,
                "enterprise_id": enterprise_id,
                "enterprise_name": enterprise_id,
                "is_admin": False,
                "is_owner": False,
                "teams": [team_id or self.team_id],
            }

    def add_channel(
        self,
        channel_id: str,
        *,
        is_ext_shared: bool,
        is_member: bool,
        name: str | None,
        is_private: bool,
        is_im: bool,
        is_mpim: bool,
    ) -> None:
        """Register a conversation (callers hold the lock)."""
        self.channels[channel_id] = {
            "id": channel_id,
            "name": name or channel_id.lower(),
            "is_channel": not (is_private or is_im or is_mpim),
            "is_group": is_private,
            "is_im": is_im,
            "is_mpim": is_mpim,
            "is_private": is_private or is_im or is_mpim,
            "is_archived": False,
            "is_general": False,
            "is_shared": is_ext_shared,
            "is_ext_shared": is_ext_shared,
            "is_org_shared": False,
            "is_member": is_member,
            "context_team_id": self.team_id,
            "created": 1600000000,
            "creator": DEFAULT_USER_ID,
        }

    def add_usergroup(self, group_id: str, handle: str, members: list[str], name: str) -> None:
        """Register a user group (callers hold the lock)."""
        self.groups[group_id] = {
            "id": group_id,
            "team_id": self.team_id,
            "is_usergroup": True,
            "name": name,
            "description": f"The {name} group",
            "handle": handle,
            "is_external": False,
            "date_create": 1600000000,
            "date_update": 1600000000,
            "date_delete": 0,
            "auto_type": None,
            "created_by": DEFAULT_USER_ID,
            "updated_by": DEFAULT_USER_ID,
            "deleted_by": None,
            "prefs": {"channels": [], "groups": []},
            "users": list(members),
        }
