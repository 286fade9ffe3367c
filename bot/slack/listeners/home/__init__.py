"""The App Home tab: published when a person opens it; its search, recent lookups and Clear."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.slack import component_ids as ids
from bot.slack import payloads
from bot.slack.listeners.actions import ack_at_once, block_action
from bot.slack.listeners.home.tab import (
    handle_clear_history,
    handle_recent,
    handle_search,
    publish_for,
)
from bot.slack.services import AppServices


def register(app: App, services: AppServices) -> None:
    """Register app_home_opened and the Home tab's buttons."""

    def home_opened(body: dict[str, Any]) -> None:
        # Sent every time the person enters App Home, Messages tab included (tab="messages").
        if payloads.person_event_kind(body) == payloads.ENTRY_HOME:
            user = payloads.user_id(body) or ""
            services.jobs.submit("home", lambda: publish_for(services, user))

    def search(body: dict[str, Any], client: WebClient) -> None:
        handle_search(services, body, client)

    def recent(body: dict[str, Any], client: WebClient) -> None:
        handle_recent(services, body, client)

    def clear(body: dict[str, Any]) -> None:
        handle_clear_history(services, body)

    app.event("app_home_opened")(home_opened)
    app.action(block_action(ids.HOME_SEARCH))(ack=ack_at_once, lazy=[search])
    app.action(block_action(ids.HOME_RECENT))(ack=ack_at_once, lazy=[recent])
    app.action(block_action(ids.HOME_CLEAR_HISTORY))(ack=ack_at_once, lazy=[clear])
