"""`profile-bot check`: validate the settings and reach Slack and the Profile API, item by item."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import redis
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.identifiers import Identifier
from bot.segment.client import ProfileApiClient
from bot.segment.errors import ErrorKind, ProfileApiError
from bot.settings import Settings
from bot.slack import component_ids as ids
from bot.slack.scopes import REQUIRED_BOT_SCOPES
from bot.slack.step_distribution import LIST_METHOD, resolve_app_id
from bot.slack.web_client import make_web_client
from bot.state.shared.backend import describe_redis_url, redis_client
from bot.state.shared.link import describe_error
from bot.wiring import slack_client, unshared_workers
from bot.wording import plural

# An id no real profile has: a 404 for it proves the token and space were accepted.
PROBE_IDENTIFIER = Identifier("user_id", "profile-bot-check-probe-0000")


@dataclass(frozen=True)
class CheckResult:
    """One line of the report: what was checked, whether it passed, and how to fix it if not."""

    ok: bool
    label: str
    fix: str | None = None

    def render(self) -> str:
        """The item's one line: ✓ or ✗, the label, and the fix (so `grep ✗` shows it too)."""
        mark = "✓" if self.ok else "✗"
        return f"{mark} {self.label}" + (f" — fix: {self.fix}" if self.fix else "")


def run_checks(
    settings: Settings, *, segment_transport: httpx.BaseTransport | None = None
) -> list[CheckResult]:
    """Every check, in order; a failing Slack token skips the Slack checks that depend on it."""
    results = [
        CheckResult(
            True,
            f"Settings: {'Socket Mode' if settings.socket_mode else 'HTTP mode'}, Segment region "
            f"{settings.segment_region} ({host_of(settings.segment_profile_api_url)}), Slack API "
            f"{host_of(settings.slack_api_url)}",
        )
    ]
    results.extend(
        CheckResult(False, f"Settings: {note}", "Rename it, or remove it from the environment/.env")
        for note in settings.unknown_settings
    )
    client = slack_client(settings, timeout=10)
    authenticated, granted = _check_slack_auth(client, results)
    if authenticated:
        results.append(_check_scopes(granted))
        results.extend(_check_groups(client, settings))
        results.append(_check_workflow_step(client))
    if settings.slack_app_token:
        results.append(_check_app_token(settings, settings.slack_app_token))
    results.extend(_check_workers(settings))
    results.extend(_check_shared_state(settings))
    results.append(_check_profile_api(settings, segment_transport))
    return results


def host_of(url: str) -> str:
    """The host part of a URL, for messages."""
    return httpx.URL(url).host


def _slack_call(call: Callable[[], object], what: str) -> tuple[object | None, str | None]:
    try:
        return call(), None
    except SlackApiError as error:
        return None, str(error.response.get("error", "unknown_error"))
    except Exception as error:  # connection refused, DNS, TLS: say what kind, not a traceback
        return None, f"{what} unreachable ({type(error).__name__})"


def _check_slack_auth(
    client: WebClient, results: list[CheckResult]
) -> tuple[bool, set[str] | None]:
    """(token accepted, scopes granted: None when Slack's answer did not list them)."""
    response, error = _slack_call(client.auth_test, "Slack API")
    if response is None:
        fix = "Set SLACK_BOT_TOKEN to the Bot User OAuth Token (xoxb-…) from OAuth & Permissions"
        if error and "unreachable" in error:
            fix = "Check SLACK_API_URL and the network path to Slack"
        results.append(CheckResult(False, f"Slack: auth.test failed: {error}", fix))
        return False, None
    data = getattr(response, "data", {})
    headers = getattr(response, "headers", {})
    results.append(
        CheckResult(
            True,
            f"Slack: authenticated as {data.get('user', '?')} in {data.get('team', '?')} "
            f"({data.get('team_id', '?')})",
        )
    )
    raw = next((v for k, v in dict(headers).items() if str(k).lower() == "x-oauth-scopes"), None)
    if isinstance(raw, list | tuple):
        raw = ",".join(map(str, raw))
    if raw is None:
        return True, None
    return True, {scope.strip() for scope in str(raw).split(",") if scope.strip()}


def _check_scopes(granted: set[str] | None) -> CheckResult:
    if granted is None:
        # Slack sends the header on every answer; a proxy in between may drop it.
        return CheckResult(
            True, "Slack: scopes not checked (the answer did not list them: x-oauth-scopes)"
        )
    missing = [scope for scope in REQUIRED_BOT_SCOPES if scope not in granted]
    if not missing:
        return CheckResult(True, f"Slack: all {len(REQUIRED_BOT_SCOPES)} bot scopes granted")
    return CheckResult(
        False,
        "Slack: missing bot scopes: " + ", ".join(missing),
        "Create or update the app from manifest.yml (OAuth & Permissions > Scopes), then "
        "reinstall it to the workspace",
    )


def _check_groups(client: WebClient, settings: Settings) -> list[CheckResult]:
    if settings.allow_all_users:
        return [CheckResult(True, "Access: PROFILE_ALLOW_ALL_USERS=true, everyone may use it")]
    response, error = _slack_call(lambda: client.usergroups_list(include_users=True), "Slack")
    if response is None:
        fix = "Add the usergroups:read scope and reinstall the app"
        if error == "plan_upgrade_required":
            fix = (
                "User groups need a paid Slack plan; on a free plan set "
                "PROFILE_ALLOW_ALL_USERS=true instead of PROFILE_ALLOWED_USERGROUPS"
            )
        return [CheckResult(False, f"Access: usergroups.list failed: {error}", fix)]
    groups = getattr(response, "data", {}).get("usergroups", [])
    results = []
    for wanted in settings.allowed_usergroups:
        key = wanted.lstrip("@").lower()
        match = next(
            (
                g
                for g in groups
                if key in (str(g.get("id", "")).lower(), str(g.get("handle", "")).lower())
            ),
            None,
        )
        if match is None:
            results.append(
                CheckResult(
                    False,
                    f"Access: user group {wanted!r} not found",
                    "Fix PROFILE_ALLOWED_USERGROUPS (ids like S0123ABCD or handles like "
                    "cs-team), or create the group in Slack",
                )
            )
            continue
        members = len(match.get("users") or [])
        results.append(
            CheckResult(
                True,
                f"Access: @{match.get('handle')} ({match.get('id')}), {plural(members, 'member')}",
            )
        )
    return results


STEP_FIX = (
    "Custom workflow steps need a paid Slack plan and the app updated from manifest.yml "
    "(functions, org_deploy_enabled, function_runtime; on Enterprise Grid installed at the org "
    "level). missing_scope: Slack's docs say this needs no scope, its API data names "
    "app_configurations:read/write; report it. Not using the step? Leave it: /profile is unaffected"
)


def _check_workflow_step(client: WebClient) -> CheckResult:
    """Can the bot say who may add the workflow step? If Slack refuses, the step stays off."""
    label = f"Workflow step {ids.LOOKUP_STEP}"
    app_id, code = resolve_app_id(client)
    if app_id is None:
        return CheckResult(False, f"{label}: the app id is unknown ({code})", STEP_FIX)
    arguments = {"function_callback_id": ids.LOOKUP_STEP, "function_app_id": app_id}
    response, error = _slack_call(lambda: client.api_call(LIST_METHOD, params=arguments), "Slack")
    if response is None:
        return CheckResult(
            False,
            f"{label}: Slack refused {LIST_METHOD} ({error}); the step stays disabled",
            STEP_FIX,
        )
    data = getattr(response, "data", {})
    who = data.get("permission_type", "?")
    people = len(data.get("users") or [])
    extra = f" ({people} people)" if who == "named_entities" else ""
    return CheckResult(True, f"{label}: enabled; may be added to workflows by {who}{extra}")


def _check_app_token(settings: Settings, app_token: str) -> CheckResult:
    client = make_web_client(None, settings.slack_api_url, timeout=10)
    # apps.connections.open only hands out a WebSocket URL; nothing connects to it, and it expires.
    response, error = _slack_call(
        lambda: client.apps_connections_open(app_token=app_token), "Slack API"
    )
    if response is None:
        return CheckResult(
            False,
            f"Slack: Socket Mode connection refused: {error}",
            "Set SLACK_APP_TOKEN to an app-level token (xapp-…) with connections:write, and "
            "turn Socket Mode on in the app settings",
        )
    return CheckResult(True, "Slack: Socket Mode app-level token accepted")


def _check_workers(settings: Settings) -> list[CheckResult]:
    """HTTP mode refuses several workers without REDIS_URL: say so before `run` does."""
    problem = None if settings.socket_mode else unshared_workers(settings)
    if problem is None:
        return []
    return [CheckResult(False, f"WEB_CONCURRENCY: {problem[0]}", problem[1])]


def _check_shared_state(settings: Settings) -> list[CheckResult]:
    """With REDIS_URL, a PING, and whether cached personal data is encrypted there (the URL and
    the encryption key themselves were checked by load_settings)."""
    results: list[CheckResult] = []
    if settings.redis_url is None:
        return results
    where = "Redis"
    try:
        where = f"Redis ({describe_redis_url(settings.redis_url)})"
        client = redis_client(settings.redis_url, socket_timeout=3.0)
        try:
            client.ping()
        finally:
            client.close()
    except redis.RedisError as error:
        results.append(
            CheckResult(
                False,
                f"{where}: unreachable ({describe_error(error)})",
                "Check REDIS_URL (host, port, password, rediss:// for TLS) and that Redis is "
                "running; without it each process keeps its own cache and request budget",
            )
        )
    else:
        results.append(CheckResult(True, f"{where}: reachable (shared cache and budget)"))
    results.append(_check_shared_encryption(settings, where))
    return results


def _check_shared_encryption(settings: Settings, where: str) -> CheckResult:
    if settings.cache_encryption_key:
        return CheckResult(True, f"{where}: cached profiles and card contexts are encrypted")
    return CheckResult(
        False,
        f"{where}: cached profiles and card contexts would rest there unencrypted "
        "(PROFILE_CACHE_ENCRYPTION_KEY is unset)",
        "Set PROFILE_CACHE_ENCRYPTION_KEY to a Fernet key, the same in every process: python -c "
        "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'",
    )


def _check_profile_api(settings: Settings, transport: httpx.BaseTransport | None) -> CheckResult:
    client = ProfileApiClient(
        base_url=settings.segment_profile_api_url,
        space_id=settings.segment_space_id,
        token=settings.segment_access_token,
        transport=transport,
        max_retries=0,
    )
    where = f"Segment Profile API ({host_of(settings.segment_profile_api_url)})"
    try:
        client.traits(PROBE_IDENTIFIER, deadline=time.monotonic() + 10, limit=1)
    except ProfileApiError as error:
        if error.kind is ErrorKind.NOT_FOUND:
            return CheckResult(
                True, f"{where}: token and space {settings.segment_space_id} accepted"
            )
        if error.kind is ErrorKind.UNAUTHORIZED:
            return CheckResult(
                False,
                f"{where}: token refused for space {settings.segment_space_id} ({error})",
                "Set SEGMENT_ACCESS_TOKEN to a token from Unify > Unify settings > API access of "
                "this space, check SEGMENT_SPACE_ID, and use SEGMENT_REGION=eu for EU workspaces",
            )
        return CheckResult(
            False,
            f"{where}: no usable answer ({error})",
            "Check SEGMENT_REGION / SEGMENT_PROFILE_API_URL and the network path to Segment",
        )
    finally:
        client.close()
    # A profile answered for the probe id: access works, though the probe id is unexpected.
    return CheckResult(True, f"{where}: token and space {settings.segment_space_id} accepted")
