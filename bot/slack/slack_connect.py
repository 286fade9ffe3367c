"""Who belongs to another organisation (Slack Connect): one rule for actors and message authors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any


class Origin(Enum):
    """Where a person comes from, relative to the organisation that installed the bot."""

    HOME = "home"
    OTHER = "other"
    UNKNOWN = "unknown"  # no team to compare: an actor is refused, an author is not looked up


@dataclass(frozen=True)
class HomeOrg:
    """The installing workspace and, on Enterprise Grid, its organisation (from auth.test)."""

    team_id: str | None
    enterprise_id: str | None = None


def origin_of(*, team_id: str | None, enterprise_id: str | None, home: HomeOrg) -> Origin:
    """HOME, OTHER or UNKNOWN for a person of `team_id` / `enterprise_id`.

    A team that is the home team (or the home org's id) is home. On Enterprise Grid a person's
    team can be any workspace of the home org, so a matching enterprise id is home too, and a
    different one is not. Without a team to compare the answer is UNKNOWN: Bolt itself refuses to
    guess actor teams in shared channels (slack_bolt/request/internals.py).
    """
    home_ids = {i for i in (home.team_id, home.enterprise_id) if i}
    if team_id and team_id in home_ids:
        return Origin.HOME
    if enterprise_id and home.enterprise_id:
        return Origin.HOME if enterprise_id == home.enterprise_id else Origin.OTHER
    if team_id and home.team_id:
        return Origin.OTHER
    return Origin.UNKNOWN


def is_external(
    *,
    team_id: str | None,
    enterprise_id: str | None,
    home_team: str | None,
    home_enterprise: str | None,
) -> bool:
    """True only when a person is known to be of another organisation (message authors: one of
    unknown origin is not treated as a customer, so their Slack email is never looked up)."""
    home = HomeOrg(home_team, home_enterprise)
    return origin_of(team_id=team_id, enterprise_id=enterprise_id, home=home) is Origin.OTHER


def origin_of_user(user: Mapping[str, Any], home: HomeOrg) -> Origin:
    """The origin of a users.info `user` object: its `team_id` and `enterprise_user`; a person
    Slack flags as a stranger (a Slack Connect guest seen from our side) is of another org."""
    if user.get("is_stranger") is True:
        return Origin.OTHER
    grid = user.get("enterprise_user")
    enterprise = grid.get("enterprise_id") if isinstance(grid, Mapping) else None
    team = user.get("team_id")
    return origin_of(
        team_id=team if isinstance(team, str) and team else None,
        enterprise_id=enterprise if isinstance(enterprise, str) and enterprise else None,
        home=home,
    )
