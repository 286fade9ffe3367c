"""Event listeners: user-group changes drop the cached membership at once, and set again who
may add the workflow step (step_distribution.py)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.slack.services import AppServices


def register(app: App, services: AppServices) -> None:
    """Register subteam_members_changed and subteam_updated."""

    def members_changed(event: dict[str, Any]) -> None:
        group_id = event.get("subteam_id")
        services.access.invalidate(group_id if isinstance(group_id, str) else None)
        services.sync_workflow_step()

    def group_updated(event: dict[str, Any]) -> None:
        subteam = event.get("subteam")
        group_id = subteam.get("id") if isinstance(subteam, dict) else None
        # A rename changes the handle → id map too; invalidate() drops both.
        services.access.invalidate(group_id if isinstance(group_id, str) else None)
        services.sync_workflow_step()

    app.event("subteam_members_changed")(members_changed)
    app.event("subteam_updated")(group_updated)
