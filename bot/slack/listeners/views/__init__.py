"""View submission listeners."""

from __future__ import annotations

import re
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

    # Submissions of our modals only: not a view_closed, nor a workflow step's configuration
    # view (also a view_submission to Bolt) that happens to reuse the callback_id.
    for callback_id, listener in (
        (ids.ENTER_IDENTIFIER_VIEW, enter_identifier),
        (ids.SHARE_CONFIRM_VIEW, share_confirm),
    ):
        constraints: dict[str, str | re.Pattern[str]] = {
            "type": "view_submission",
            "callback_id": callback_id,
        }
        app.view(constraints, matchers=[is_modal])(listener)


def is_modal(body: dict[str, Any]) -> bool:
    """True when the submitted view is a modal."""
    view = body.get("view")
    return isinstance(view, dict) and view.get("type") == "modal"
