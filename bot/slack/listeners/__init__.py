"""All listeners of the Slack app, registered in one place."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners import (
    actions,
    commands,
    events,
    functions,
    home,
    mentions,
    messages,
    shortcuts,
    views,
)
from bot.slack.services import AppServices


def register_listeners(app: App, services: AppServices) -> None:
    """Register commands, shortcuts, buttons, view submissions, events, DMs, mentions, the
    Home tab and workflow steps on `app`."""
    commands.register(app, services)
    shortcuts.register(app, services)
    actions.register(app, services)
    views.register(app, services)
    events.register(app, services)
    messages.register(app, services)
    mentions.register(app, services)
    home.register(app, services)
    functions.register(app, services)
