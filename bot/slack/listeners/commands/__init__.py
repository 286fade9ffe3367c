"""Slash command listeners."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.slack import component_ids as ids
from bot.slack.listeners.commands.profile import handle_profile_command
from bot.slack.services import AppServices


def register(app: App, services: AppServices) -> None:
    """Register `/profile`."""

    def profile_command(ack: Ack, body: dict[str, Any]) -> None:
        handle_profile_command(services, ack, body)

    app.command(ids.COMMAND)(profile_command)
