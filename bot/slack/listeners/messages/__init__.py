"""Message listeners: what people write to the bot in its DM (the Messages tab)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.slack import payloads
from bot.slack.listeners.messages.dm import handle_dm
from bot.slack.services import AppServices


def register(app: App, services: AppServices) -> None:
    """Register one listener for every `message` event (message.im).

    `app.event("message")` rather than `app.message()`: the latter never sees message_changed or
    message_deleted, and Bolt answers an event no listener matches with a 404, which Slack
    retries. Bots, edits, deletions and other subtypes are acknowledged and ignored here.
    """

    def on_message(body: dict[str, Any]) -> None:
        if payloads.person_event_kind(body) == payloads.ENTRY_DM:
            handle_dm(services, body)

    app.event("message")(on_message)
