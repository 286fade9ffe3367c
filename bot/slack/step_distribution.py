"""Who may add the "Look up customer" step to a workflow follows the bot's access rule.

On start and whenever group membership changes, the bot sets the step's distribution
(`functions.distributions.permissions.set`): `everyone` with PROFILE_ALLOW_ALL_USERS=true, else
`named_entities` with the members of the allowed groups (`app_collaborators`, the narrowest, when
the groups are empty). When Slack refuses, the step is disabled: every run fails with the reason
until a later sync succeeds.

Facts this relies on (research notes, /work/shared and docs.slack.dev):
- slack_sdk 3.48 has no wrapper for functions.distributions.permissions.*, hence `api_call`.
- The method's scope is disputed: Slack's API data names app_configurations:write, its docs page
  says "No scopes required". A missing_scope answer disables the step and is reported.
- No error code for "this plan has no custom steps" is documented; any refusal disables the step.
- The function is named by `function_callback_id` + `function_app_id`; the app id comes from
  auth.test (`app_id`, optional in Slack's own SDK types) or else bots.info (users:read).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient

from bot.slack import component_ids as ids
from bot.slack.access import AccessChecker
from bot.slack.jobs import JobRunner
from bot.slack.web_client import error_code

logger = logging.getLogger(__name__)

SET_METHOD = "functions.distributions.permissions.set"
LIST_METHOD = "functions.distributions.permissions.list"
# After a failed sync, a run asks for another one at most this often.
RETRY_INTERVAL_SECONDS = 60.0


@dataclass(frozen=True)
class StepStatus:
    """`state` is pending (no sync finished yet) | enabled | disabled; `detail` says why."""

    state: str
    detail: str = ""
    permission_type: str | None = None
    people: int = 0

    @property
    def disabled(self) -> bool:
        """True once Slack refused to set who may use the step."""
        return self.state == "disabled"


class StepAvailability:
    """The step's distribution as the last sync left it, and one sync at a time."""

    def __init__(self, *, retry_interval: float = RETRY_INTERVAL_SECONDS) -> None:
        self._lock = threading.Lock()
        self._status = StepStatus("pending")
        self._running = False
        self._again = False
        self._app_id: str | None = None
        self._retry_interval = retry_interval
        self._last_attempt = float("-inf")

    @property
    def status(self) -> StepStatus:
        """The current status."""
        with self._lock:
            return self._status

    def request_sync(self, jobs: JobRunner, client: WebClient, access: AccessChecker) -> None:
        """Sync in the background; requests during a sync coalesce into one more sync."""
        with self._lock:
            if self._running:
                self._again = True
                return
            self._running = True
        if not jobs.submit("workflow step distribution", lambda: self._loop(client, access)):
            with self._lock:
                self._running = False

    def retry_if_disabled(self, jobs: JobRunner, client: WebClient, access: AccessChecker) -> None:
        """After a refusal, ask again (at most once per retry interval) so the step recovers."""
        with self._lock:
            due = time.monotonic() - self._last_attempt >= self._retry_interval
        if self.status.disabled and due:
            self.request_sync(jobs, client, access)

    def _loop(self, client: WebClient, access: AccessChecker) -> None:
        again = True
        try:
            while again:
                status = self.sync(client, access)
                with self._lock:  # one critical section, so no request falls between two
                    self._status = status
                    again, self._again = self._again, False
                    self._running = again
        except BaseException:
            with self._lock:
                self._running = False
            raise

    def sync(self, client: WebClient, access: AccessChecker) -> StepStatus:
        """Set the distribution once (callers normally use request_sync) and log the result."""
        with self._lock:
            self._last_attempt = time.monotonic()
        status = self._sync(client, access)
        if status.disabled:
            logger.warning(
                "workflow step %s disabled: %s (run `profile-bot check`)",
                ids.LOOKUP_STEP,
                status.detail,
            )
        else:
            logger.info(
                "workflow step %s may be added by: %s (%d people)",
                ids.LOOKUP_STEP,
                status.permission_type,
                status.people,
            )
        return status

    def _sync(self, client: WebClient, access: AccessChecker) -> StepStatus:
        app_id, code = self._resolve_app_id(client)
        if app_id is None:
            return StepStatus("disabled", f"the app id is unknown ({code})")
        arguments: dict[str, Any] = {
            "function_callback_id": ids.LOOKUP_STEP,
            "function_app_id": app_id,
        }
        if access.allow_all:
            arguments["permission_type"] = "everyone"
        else:
            members, problem = access.allowed_members()
            if members is None:
                return StepStatus("disabled", f"group membership unknown ({problem})")
            if members:
                arguments["permission_type"] = "named_entities"
                arguments["user_ids"] = sorted(members)
            else:
                arguments["permission_type"] = "app_collaborators"
        try:
            client.api_call(SET_METHOD, json=arguments)
        except Exception as exc:
            return StepStatus("disabled", f"Slack refused {SET_METHOD} ({error_code(exc)})")
        people = len(arguments.get("user_ids", ()))
        return StepStatus("enabled", "", str(arguments["permission_type"]), people)

    def _resolve_app_id(self, client: WebClient) -> tuple[str | None, str]:
        if self._app_id is None:
            app_id, code = resolve_app_id(client)
            if app_id is None:
                return None, code
            self._app_id = app_id
        return self._app_id, ""


def resolve_app_id(client: WebClient) -> tuple[str | None, str]:
    """(this app's id, "") from auth.test or else bots.info; (None, Slack's error) on failure."""
    try:
        auth = client.auth_test()
        app_id = auth.get("app_id")
        if not app_id:
            bot = client.bots_info(bot=str(auth.get("bot_id") or "")).get("bot") or {}
            app_id = bot.get("app_id") if isinstance(bot, dict) else None
    except Exception as exc:
        return None, error_code(exc)
    if not isinstance(app_id, str) or not app_id:
        return None, "no app_id in Slack's answer"
    return app_id, ""
