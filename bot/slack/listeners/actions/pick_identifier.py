"""Pick lists (the shortcut's modal, `/profile` with several ids, or a DM or mention reply with
more than three): look up the chosen identifier, or type another one."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.slack import cards, payloads
from bot.slack.chat_flow import lookup_to_chat, run_in_chat
from bot.slack.delivery import respond, update_modal
from bot.slack.listeners.common import card_for_actor, run_for_message, run_for_modal
from bot.slack.lookup_flow import lookup_to_message, lookup_to_modal
from bot.slack.services import AppServices


def handle_pick(services: AppServices, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """Look up candidate number `value` of the card's pick list in the same modal (shortcut), or
    in place of the pick message (`/profile` with several ids; the value is then `ref:index`)."""
    ack()
    if not payloads.in_modal(body):
        _pick_in_message(services, client, body)
        return
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


def _pick_in_message(services: AppServices, client: WebClient, body: dict[str, Any]) -> None:
    ref, _, index = payloads.action_value(body).rpartition(":")
    context = card_for_actor(services, client, body, ref)
    if context is None:
        return
    try:
        ident = context.candidate_identifiers()[int(index)]
    except (ValueError, IndexError):
        return  # a forged or stale index: nothing to look up
    if context.entry_point in (payloads.ENTRY_DM, payloads.ENTRY_MENTION):
        # The card goes where the picker went: a DM reply, or privately to the mentioner.
        run_in_chat(
            services, context, "pick lookup", lambda: lookup_to_chat(services, context, ident)
        )
        return
    url = payloads.response_url(body) or context.response_url
    chosen = replace(context, response_url=url, candidates=())

    def work() -> None:
        respond(client, url, cards.build_loading_message(ident), replace_original=True)
        lookup_to_message(services, chosen, ident)

    run_for_message(
        services,
        "pick lookup",
        url,
        work,
        replace_original=True,
        channel_id=chosen.channel_id,
        user_id=chosen.requester,
    )
