"""Shortcut listeners."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.slack import component_ids as ids
from bot.slack.listeners.actions import ack_at_once
from bot.slack.listeners.shortcuts.lookup_message import handle_lookup_shortcut
from bot.slack.listeners.shortcuts.search_profile import handle_search_shortcut
from bot.slack.services import AppServices


def register(app: App, services: AppServices) -> None:
    """Register the "Look up customer" message shortcut and its global twin."""

    def lookup_shortcut(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        handle_lookup_shortcut(services, ack, body, client)

    # The ack goes back at once; the loading modal is opened right after, off the request thread.
    # Only the message shortcut: a global shortcut with the same callback_id is not ours.
    app.shortcut({"type": "message_action", "callback_id": ids.LOOKUP_SHORTCUT})(
        ack=ack_at_once, lazy=[lookup_shortcut]
    )

    def search_shortcut(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        handle_search_shortcut(services, ack, body, client)

    # Only the global shortcut (type `shortcut`: no message, no channel, no response_url).
    app.shortcut({"type": "shortcut", "callback_id": ids.SEARCH_SHORTCUT})(
        ack=ack_at_once, lazy=[search_shortcut]
    )
