"""@mention listeners: the bot answers the person who mentioned it, privately."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.slack import payloads
from bot.slack.listeners.mentions.mention import handle_mention
from bot.slack.services import AppServices


def register(app: App, services: AppServices) -> None:
    """Register `app_mention` (an edited mention, re-sent by Slack with `edited`, is ignored)."""

    def on_mention(body: dict[str, Any], client: WebClient) -> None:
        if payloads.person_event_kind(body) == payloads.ENTRY_MENTION:
            handle_mention(services, body, client)

    app.event("app_mention")(on_mention)
