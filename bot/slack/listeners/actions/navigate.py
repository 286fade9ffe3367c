"""Between people and accounts: the People modal, and buttons that open a linked card.

Every button carries only the card's ref (and an index into the card context's `related`
list), so the gate and the requester check see the same thing as for any other button.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.slack import cards, payloads
from bot.slack.audit_trail import audit
from bot.slack.cards.notices import (
    LINK_GONE_TEXT,
    OPEN_AGAIN,
    PEOPLE_AGAIN,
)
from bot.slack.context import CardContext
from bot.slack.delivery import notify_text_later, update_modal
from bot.slack.listeners.common import card_for_actor, fetch_for_modal, open_loading_then
from bot.slack.lookup_flow import lookup_to_modal
from bot.slack.services import AppServices


def handle_people(services: AppServices, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """ "People" on an account card: every linked person in a modal, each with an Open button."""
    ack()
    ref = payloads.action_value(body)
    context = card_for_actor(services, client, body, ref)
    if context is None:
        return
    open_loading_then(
        services,
        client,
        body,
        loading_text="Loading people…",
        again=PEOPLE_AGAIN,
        label="people",
        work=partial(show_people, services, client, context, ref),
        replace_top_when_full=True,
    )


def show_people(
    services: AppServices, client: WebClient, context: CardContext, ref: str, view_id: str
) -> None:
    """Job body: the account (from the cache when fresh) and its people."""
    fetched = fetch_for_modal(services, client, context, view_id, action="people")
    if fetched is None:
        return
    ident, result = fetched
    audit(
        services,
        context,
        action="people",
        outcome="shown",
        identifier=ident,
        sections=["people"],
        cached=result.cached,
    )
    update_modal(client, view_id, cards.build_people_view(result.profile, services.cards, ref=ref))


def handle_open_linked(
    services: AppServices, ack: Ack, body: dict[str, Any], client: WebClient
) -> None:
    """A person's button on an account card, or an account's on a person's card (value
    f"{ref}:{index}"): that card in a new modal (pushed when clicked in a modal)."""
    ack()
    ref, _, index_text = payloads.action_value(body).rpartition(":")
    context = card_for_actor(services, client, body, ref)
    if context is None:
        return
    index = int(index_text) if index_text.isdecimal() and len(index_text) < 4 else -1
    target = context.related_identifier(index)
    if target is None:
        notify_text_later(services.jobs, client, body, LINK_GONE_TEXT)
        return
    open_loading_then(
        services,
        client,
        body,
        loading_text="Looking up…",
        again=OPEN_AGAIN,
        label="open linked card",
        work=partial(lookup_to_modal, services, client, context, target),
        replace_top_when_full=True,
    )
