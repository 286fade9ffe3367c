"""The payload readers the gate relies on, as data: which requests are entry points, who acted,
and which organisation a person belongs to."""

from __future__ import annotations

from typing import Any

import pytest

from bot.slack import payloads
from bot.slack.slack_connect import HomeOrg, Origin, is_external, origin_of, origin_of_user


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ({"command": "/profile", "user_id": "U1"}, "command"),
        ({"command": ["/profile"]}, "other"),
        ({"type": "message_action"}, "shortcut"),
        ({"type": "shortcut"}, "shortcut"),
        ({"type": "block_actions"}, "action"),
        ({"type": "block_suggestion"}, "action"),
        ({"type": "interactive_message"}, "action"),
        ({"type": "dialog_submission"}, "action"),
        ({"type": "dialog_cancellation"}, "action"),
        ({"type": "dialog_suggestion"}, "action"),
        ({"type": "workflow_step_edit"}, "action"),
        ({"type": "view_submission"}, "view"),
        ({"type": "view_closed"}, "view"),
        ({"type": "something_new"}, "other"),
        ({}, "other"),
        ({"type": None}, "other"),
        # Need no person: events (their handlers decide), Slack's URL and SSL checks.
        ({"type": "event_callback", "event": {"type": "subteam_members_changed"}}, None),
        ({"type": "url_verification", "challenge": "x"}, None),
        ({"ssl_check": "1", "token": "x"}, None),
        ({"type": "app_rate_limited"}, None),
        # A command wins over a type that would exempt it.
        ({"type": "event_callback", "command": "/profile"}, "command"),
    ],
)
def test_entry_kind_denies_by_default(body: dict[str, Any], kind: str | None) -> None:
    assert payloads.entry_kind(body) == kind


@pytest.mark.parametrize(
    ("body", "user", "conflict"),
    [
        ({"user_id": "U1"}, "U1", False),
        ({"user": {"id": "U1"}}, "U1", False),
        ({"user": "U1"}, "U1", False),
        ({"user": {"id": "U1"}, "user_id": "U1"}, "U1", False),
        # Bolt reads `user` first: so do we, and a disagreement is refused.
        ({"user": {"id": "U2"}, "user_id": "U1"}, "U2", True),
        ({"user": "U2", "user_id": "U1"}, "U2", True),
        ({"user": {"name": "x"}, "user_id": "U1"}, "U1", True),
        ({"user": {"id": ""}}, None, True),
        ({"user": None, "user_id": "U1"}, "U1", False),
        ({}, None, False),
    ],
)
def test_user_read_as_bolt_reads_it(body: dict[str, Any], user: str | None, conflict: bool) -> None:
    assert payloads.user_id(body) == user
    assert payloads.user_conflict(body) is conflict


HOME = HomeOrg("T1")
GRID = HomeOrg("T1", "E1")


@pytest.mark.parametrize(
    ("team", "enterprise", "home", "origin"),
    [
        ("T1", None, HOME, Origin.HOME),
        ("T2", None, HOME, Origin.OTHER),
        (None, None, HOME, Origin.UNKNOWN),  # no team ids: not "home" any more
        ("T1", None, HomeOrg(None), Origin.UNKNOWN),
        ("T9", "E1", GRID, Origin.HOME),  # another workspace of the home org
        ("T9", "E2", GRID, Origin.OTHER),
        ("E1", None, GRID, Origin.HOME),  # an org-level id
        (None, "E1", GRID, Origin.HOME),
        ("T9", None, HomeOrg(None, "E1"), Origin.UNKNOWN),  # org install, no enterprise id sent
    ],
)
def test_origin_of(team: str | None, enterprise: str | None, home: HomeOrg, origin: Origin) -> None:
    assert origin_of(team_id=team, enterprise_id=enterprise, home=home) is origin
    # Message authors: only a known other organisation counts as external.
    assert is_external(
        team_id=team,
        enterprise_id=enterprise,
        home_team=home.team_id,
        home_enterprise=home.enterprise_id,
    ) is (origin is Origin.OTHER)


def test_origin_of_users_info_user() -> None:
    assert origin_of_user({"id": "U1", "team_id": "T1"}, HOME) is Origin.HOME
    assert origin_of_user({"id": "U1", "team_id": "T2"}, HOME) is Origin.OTHER
    assert origin_of_user({"id": "U1", "team_id": "T1", "is_stranger": True}, HOME) is Origin.OTHER
    grid_user = {"id": "U1", "team_id": "T9", "enterprise_user": {"enterprise_id": "E1"}}
    assert origin_of_user(grid_user, GRID) is Origin.HOME
    assert origin_of_user({"id": "U1"}, HOME) is Origin.UNKNOWN
