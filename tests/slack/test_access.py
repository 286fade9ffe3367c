"""AccessChecker against the Slack sandbox: handles, ids, caching, fail-closed and back-off."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bot.sandbox import credentials as test_secrets
from bot.sandbox.slack_api import SlackApiSandbox
from bot.settings import Settings, load_settings
from bot.slack.access import AccessChecker, is_group_id
from bot.slack.slack_connect import HomeOrg
from bot.state.memory import MemoryMembershipStore
from bot.wiring import build_access_checker


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def slack_api() -> Iterator[SlackApiSandbox]:
    with SlackApiSandbox(bot_token=test_secrets.SLACK_BOT_TOKEN) as server:
        server.add_usergroup("S0CSTEAM", "cs-team", ["U1", "U2"])
        server.add_usergroup("S0SUPPORT", "support", ["U3"])
        yield server


def settings_for(api_url: str, groups: str, **extra: str) -> Settings:
    environ = test_secrets.settings_environ(
        SLACK_API_URL=api_url, PROFILE_ALLOWED_USERGROUPS=groups, **extra
    )
    return load_settings(environ, env_file=None)


def make_gate(
    api_url: str, groups: str, clock: Clock | None = None, timeout: int = 2
) -> AccessChecker:
    settings = settings_for(api_url, groups)
    return build_access_checker(
        settings,
        MemoryMembershipStore(),
        timeout=timeout,
        clock=clock or Clock(),
        error_cooldown=5.0,
    )


def test_group_ids_and_handles() -> None:
    assert is_group_id("S0CSTEAM")
    assert not is_group_id("cs-team")
    assert not is_group_id("S")
    assert not is_group_id("Support")


def test_members_of_any_group_pass(slack_api: SlackApiSandbox) -> None:
    gate = make_gate(slack_api.api_url, "cs-team,S0SUPPORT")
    assert gate.check("U1").allowed
    assert gate.check("U3").allowed
    denied = gate.check("U9")
    assert not denied.allowed and denied.reason == "not_member"
    assert gate.check(None).reason == "not_member"
    assert gate.group_labels() == ("@cs-team", "@support")


def test_unknown_handle_and_group_grant_nothing(slack_api: SlackApiSandbox) -> None:
    gate = make_gate(slack_api.api_url, "no-such-handle,S0GONE,cs-team")
    assert gate.check("U1").allowed
    assert gate.check("U3").reason == "not_member"


def test_membership_is_cached_until_invalidated(slack_api: SlackApiSandbox) -> None:
    gate = make_gate(slack_api.api_url, "S0CSTEAM")
    assert gate.check("U1").allowed
    slack_api.set_members("S0CSTEAM", ["U2"])
    assert gate.check("U1").allowed  # cached
    gate.invalidate("S0CSTEAM")
    assert not gate.check("U1").allowed
    assert len(slack_api.calls("usergroups.users.list")) == 2


@pytest.mark.parametrize(
    ("error", "says"),
    [
        ("invalid_auth", "token was refused"),
        ("missing_scope", "usergroups:read"),
        ("plan_upgrade_required", "no user groups"),
    ],
)
def test_errors_fail_closed_and_pause(slack_api: SlackApiSandbox, error: str, says: str) -> None:
    clock = Clock()
    gate = make_gate(slack_api.api_url, "S0CSTEAM", clock)
    slack_api.fail("usergroups.users.list", error)
    decision = gate.check("U1")
    assert not decision.allowed
    assert decision.reason == "unavailable"
    assert decision.detail == error
    assert says in decision.unavailable_text()
    slack_api.clear_failures()
    assert gate.check("U1").reason == "unavailable"  # still pausing: Slack not asked
    assert len(slack_api.calls("usergroups.users.list")) == 1
    clock.now += 5.1
    assert gate.check("U1").allowed


def test_retry_after_is_honoured(slack_api: SlackApiSandbox) -> None:
    clock = Clock()
    gate = make_gate(slack_api.api_url, "S0CSTEAM", clock)
    slack_api.fail(
        "usergroups.users.list", "ratelimited", status=429, headers={"Retry-After": "40"}
    )
    assert gate.check("U1").detail == "ratelimited"
    slack_api.clear_failures()
    clock.now += 39
    assert gate.check("U1").detail == "ratelimited"
    assert len(slack_api.calls("usergroups.users.list")) == 1
    clock.now += 1.5
    assert gate.check("U1").allowed


def test_slack_timeout_fails_closed_quickly() -> None:
    # A socket that accepts connections but never answers.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/api/"
        gate = make_gate(url, "S0CSTEAM", timeout=1)
        decision = gate.check("U1")
    assert decision.reason == "unavailable"
    assert decision.detail == "timeout"


def test_allow_all_users_asks_users_info_once_per_person(slack_api: SlackApiSandbox) -> None:
    # No user group vouches for anyone: users.info must place the person in the home team.
    slack_api.add_user("U9")
    slack_api.add_user("U0GUEST", team_id="T0OTHERORG")
    slack_api.add_user("U0GRID", team_id="T0GRIDHOME2", enterprise_id="E0HOME")
    slack_api.add_user("U0GRIDX", team_id="T0GRIDOTHER", enterprise_id="E0OTHER")
    settings = settings_for(slack_api.api_url, "", PROFILE_ALLOW_ALL_USERS="true")
    gate = build_access_checker(settings, MemoryMembershipStore(), timeout=1)
    home = HomeOrg("T0SANDBOX")
    assert gate.check("U9", home).reason == "allow_all"
    assert gate.check("U9", home).reason == "allow_all"  # cached
    assert gate.check("U0GUEST", home).reason == "external_team"
    # Another workspace of the home Enterprise Grid org is home; of another org, not.
    grid_home = HomeOrg("T0SANDBOX", "E0HOME")
    assert gate.check("U0GRID", grid_home).allowed
    assert gate.check("U0GRIDX", grid_home).reason == "external_team"
    assert gate.check("U0NOBODY", home).reason == "team_unknown"  # user_not_found
    assert gate.check("U9").reason == "team_unknown"  # the home team is not known
    asked = [c.params["user"] for c in slack_api.calls("users.info")]
    assert asked == ["U9", "U0GUEST", "U0GRID", "U0GRIDX", "U0NOBODY"]
    assert slack_api.calls("usergroups.users.list") == []


def test_allow_all_users_fails_closed_when_users_info_fails(slack_api: SlackApiSandbox) -> None:
    slack_api.add_user("U9")
    slack_api.fail("users.info", "ratelimited", status=429, headers={"Retry-After": "30"})
    settings = settings_for(slack_api.api_url, "", PROFILE_ALLOW_ALL_USERS="true")
    gate = build_access_checker(settings, MemoryMembershipStore(), timeout=1)
    decision = gate.check("U9", HomeOrg("T0SANDBOX"))
    assert (decision.allowed, decision.reason, decision.detail) == (
        False,
        "unavailable",
        "ratelimited",
    )


class _SlowGroupSlack(BaseHTTPRequestHandler):
    """usergroups.users.list answers ["U1"] after 0.5 s; every other method at once."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if "usergroups.users.list" in self.path:
            time.sleep(0.5)
        body = json.dumps({"ok": True, "users": ["U1"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET


def test_invalidation_outlives_a_fetch_already_in_flight() -> None:
    # The membership fetch answers (the old members) after the change event has arrived: the
    # old list must not stay cached once the invalidation is done.
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowGroupSlack)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        store = MemoryMembershipStore()
        settings = settings_for(f"http://127.0.0.1:{server.server_port}/api/", "S0CSTEAM")
        gate = build_access_checker(settings, store, timeout=2)
        decisions: list[Any] = []
        checking = threading.Thread(target=lambda: decisions.append(gate.check("U1")))
        checking.start()
        time.sleep(0.2)  # the fetch is in flight
        gate.invalidate("S0CSTEAM")
        checking.join(5)
        assert decisions[0].reason == "member"  # it asked before the change: fair
        assert store.get("S0CSTEAM") is None
    finally:
        server.shutdown()
        server.server_close()
