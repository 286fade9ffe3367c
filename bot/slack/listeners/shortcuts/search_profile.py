"""Global shortcut "Look up customer" (no message): a modal with an input; submitting it shows
the card in the same modal (the enter-identifier form, listeners/views/enter_identifier.py)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.slack import cards, payloads
from bot.slack.context import CardContext
from bot.slack.delivery import ModalError, open_modal
from bot.slack.services import AppServices

logger = logging.getLogger(__name__)


def handle_search_shortcut(
    services: AppServices, ack: Ack, body: dict[str, Any], client: WebClient
) -> None:
    """Ack, then open the form with the trigger_id (valid ~3 s; there is nowhere else to
    answer: a global shortcut has no channel and no response_url)."""
    ack()
    context = CardContext(
        requester=payloads.user_id(body) or "",
        team_id=payloads.team_id(body),
        channel_id=None,
        entry_point=payloads.ENTRY_GLOBAL_SHORTCUT,
        surface="modal",
    )
    ref = services.contexts.create(context)
    try:
        open_modal(
            client,
            payloads.trigger_id(body),
            cards.build_enter_identifier_view(private_metadata=ref),
        )
    except ModalError as error:
        logger.info("global shortcut modal not opened: %s", error.code)
