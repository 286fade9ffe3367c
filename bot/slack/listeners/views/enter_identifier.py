"""The enter-an-identifier form: invalid input stays in the form with the reason, valid input
turns the modal into "Looking up…" and then the card."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.identifiers import IdentifierError
from bot.slack import cards, payloads
from bot.slack import component_ids as ids
from bot.slack.audit_trail import audit
from bot.slack.listeners.common import after_ack_lands, card_for_submission, run_for_modal
from bot.slack.lookup_flow import lookup_to_modal
from bot.slack.services import AppServices


def handle_enter_identifier(
    services: AppServices, ack: Ack, body: dict[str, Any], client: WebClient
) -> None:
    """Validate in the ack (response_action errors/update); the lookup runs as a job."""
    context = card_for_submission(services, ack, body)
    if context is None:
        return
    text = payloads.input_value(body, ids.IDENTIFIER_INPUT_BLOCK, ids.IDENTIFIER_INPUT_ACTION)
    try:
        ident = services.parser.parse(text)
    except IdentifierError as error:
        ack(response_action="errors", errors={ids.IDENTIFIER_INPUT_BLOCK: error.reason})
        audit(services, context, action="lookup", outcome="invalid_input", detail=error.code)
        return
    ack(response_action="update", view=cards.build_loading_view())
    view_id = payloads.view_id(body)
    run_for_modal(
        services,
        client,
        "typed lookup",
        view_id,
        after_ack_lands(lambda: lookup_to_modal(services, client, context, ident, view_id)),
    )
