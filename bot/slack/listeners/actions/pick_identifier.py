"""The pick list in the shortcut modal: look up the chosen identifier, or type another one."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.slack import cards, payloads
from bot.slack.delivery import update_modal
from bot.slack.listeners.common import card_for_actor, run_for_modal
from bot.slack.lookup_flow import lookup_to_modal
from bot.slack.services import AppServices


def handle_pick(services: AppServices, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """Look up candidate number `value` of the card's pick list in the same modal."""
    ack()
    context = card_for_actor(services, client, body, payloads.private_metadata(body))
    if context is None:
        return
    candidates = context.candidate_identifiers()
    try:
        ident = candidates[int(payloads.action_value(body))]
    except (ValueError, IndexError):
        return  # a forged or stale index: nothing to look up
    view_id = payloads.view_id(body)

    def work() -> None:
        update_modal(client, view_id, cards.build_loading_view())
        lookup_to_modal(services, client, context, ident, view_id)

    run_for_modal(services, client, "pick lookup", view_id, work)


def handle_type_instead(
    services: AppServices, ack: Ack, body: dict[str, Any], client: WebClient
) -> None:
    """Swap the pick list for the enter-an-identifier form."""
    ack()
    ref = payloads.private_metadata(body)
    if card_for_actor(services, client, body, ref) is None:
        return
    view = cards.build_enter_identifier_view(private_metadata=ref)
    view_id = payloads.view_id(body)
    services.jobs.submit("type instead", lambda: _update(client, view_id, view))


def _update(client: WebClient, view_id: str | None, view: dict[str, Any]) -> None:
    update_modal(client, view_id, view)
