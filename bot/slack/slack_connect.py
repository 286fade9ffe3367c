"""Who belongs to another organisation (Slack Connect): one rule for actors and message authors."""

from __future__ import annotations


def is_external(
    *,
    team_id: str | None,
    enterprise_id: str | None,
    home_team: str | None,
    home_enterprise: str | None,
) -> bool:
    """True when a person of `team_id` / `enterprise_id` is not of the installing organisation.

    A team that is the home team (or the home org's id) is home. On Enterprise Grid a person's
    team can be any workspace of the home org, so a matching enterprise id is home too, and a
    different one is not. Without a team to compare, the person counts as home: Bolt itself
    refuses to guess actor teams in shared channels (slack_bolt/request/internals.py).
    """
    if team_id and home_team and team_id in (home_team, home_enterprise):
        return False
    if home_enterprise and enterprise_id:
        return enterprise_id != home_enterprise
    return bool(team_id and home_team)
