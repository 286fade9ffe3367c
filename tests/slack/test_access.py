"""AccessGate against the Slack stand-in: handles, ids, caching, fail-closed and back-off."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from bot.sandbox.slack_api import SlackApiStub
from bot.settings import Settings, load_settings
from bot.slack.access import AccessGate, is_group_id
from bot.slack.webapi import make_web_client
from bot.state_memory import MemoryMembershipStore
from tests.support import secrets as test_secrets


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def stub() -> Iterator[SlackApiStub]:
    with SlackApiStub(bot_token=test_secrets.SLACK_BOT_TOKEN) as server:
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
) -> AccessGate:
    settings = settings_for(api_url, groups)
    client = make_web_client(settings, timeout=timeout, retry=False)
    return AccessGate(
        settings, client, MemoryMembershipStore(), clock=clock or Clock(), error_cooldown=5.0
    )


def test_group_ids_and_handles() -> None:
    assert is_group_id("S0CSTEAM")
    assert not is_group_id("cs-team")
    assert not is_group_id("S")
    assert not is_group_id("Support")


def test_members_of_any_group_pass(stub: SlackApiStub) -> None:
    gate = make_gate(stub.api_url, "cs-team,S0SUPPORT")
    assert gate.check("U1").allowed
    assert gate.check("U3").allowed
    denied = gate.check("U9")
    assert not denied.allowed and denied.reason == "not_member"
    assert gate.check(None).reason == "not_member"
    assert gate.group_labels() == ("@cs-team", "@support")


def test_unknown_handle_and_group_grant_nothing(stub: SlackApiStub) -> None:
    gate = make_gate(stub.api_url, "no-such-handle,S0GONE,cs-team")
    assert gate.check("U1").allowed
    assert gate.check("U3").reason == "not_member"


def test_membership_is_cached_until_invalidated(stub: SlackApiStub) -> None:
    gate = make_gate(stub.api_url, "S0CSTEAM")
    assert gate.check("U1").allowed
    stub.set_members("S0CSTEAM", ["U2"])
    assert gate.check("U1").allowed  # cached
    gate.invalidate("S0CSTEAM")
    assert not gate.check("U1").allowed
    assert len(stub.calls("usergroups.users.list")) == 2


@pytest.mark.parametrize(
    ("error", "says"),
    [
        ("invalid_auth", "token was refused"),
        ("missing_scope", "usergroups:read"),
        ("plan_upgrade_required", "no user groups"),
    ],
)
def test_errors_fail_closed_and_pause(stub: SlackApiStub, error: str, says: str) -> None:
    clock = Clock()
    gate = make_gate(stub.api_url, "S0CSTEAM", clock)
    stub.fail("usergroups.users.list", error)
    decision = gate.check("U1")
    assert not decision.allowed
    assert decision.reason == "unavailable"
    assert decision.detail == error
    assert says in decision.unavailable_text()
    stub.clear_failures()
    assert gate.check("U1").reason == "unavailable"  # still pausing: Slack not asked
    assert len(stub.calls("usergroups.users.list")) == 1
    clock.now += 5.1
    assert gate.check("U1").allowed


def test_retry_after_is_honoured(stub: SlackApiStub) -> None:
    clock = Clock()
    gate = make_gate(stub.api_url, "S0CSTEAM", clock)
    stub.fail("usergroups.users.list", "ratelimited", status=429, headers={"Retry-After": "40"})
    assert gate.check("U1").detail == "ratelimited"
    stub.clear_failures()
    clock.now += 39
    assert gate.check("U1").detail == "ratelimited"
    assert len(stub.calls("usergroups.users.list")) == 1
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


def test_allow_all_users_never_asks_slack(stub: SlackApiStub) -> None:
    settings = settings_for(stub.api_url, "", PROFILE_ALLOW_ALL_USERS="true")
    gate = AccessGate(settings, make_web_client(settings, timeout=1), MemoryMembershipStore())
    assert gate.check("U9").reason == "allow_all"
    assert stub.calls() == []
