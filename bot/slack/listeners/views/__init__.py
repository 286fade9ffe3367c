"""View submission listeners."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.slack import component_ids as ids
from bot.slack.listeners.views.enter_identifier import handle_enter_identifier
from bot.slack.listeners.views.share_confirm import handle_share_confirm
from bot.slack.services import AppServices


def register(app: App, services: AppServices) -> None:
    """Register the enter-identifier form and the share confirmation."""

    def enter_identifier(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        handle_enter_identifier(services, ack, body, client)

    def share_confirm(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        handle_share_confirm(services, ack, body, client)

    app.view(ids.ENTER_IDENTIFIER_VIEW)(enter_identifier)
    app.view(ids.SHARE_CONFIRM_VIEW)(share_confirm)
