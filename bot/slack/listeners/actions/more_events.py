""" "More events": the next page of events, as a new ephemeral message or inside the modal."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.segment.errors import ProfileApiError
from bot.slack import cards, payloads
from bot.slack.audit_trail import audit
from bot.slack.cards.notices import MORE_EVENTS_AGAIN, modal_not_opened_text
from bot.slack.context import CardContext
from bot.slack.delivery import (
    ModalError,
    deliver_privately,
    notify_text_later,
    push_modal,
    update_modal,
)
from bot.slack.listeners.common import card_for_actor, run_for_message, run_for_modal
from bot.slack.services import AppServices

EVENTS_VIEW = "profile_events"  # callback_id of the events page shown inside a modal
NO_MORE_TEXT = "There are no more events for this customer."


def events_view(message: dict[str, Any]) -> dict[str, Any]:
    """An events page message as a modal (its More events button works there too)."""
    return {
        "type": "modal",
        "callback_id": EVENTS_VIEW,
        "title": {"type": "plain_text", "text": "Recent events"},
        "close": {"type": "plain_text", "text": "Back"},
        "blocks": list(message.get("blocks") or [])[:100],
    }


def handle_more_events(
    services: AppServices, ack: Ack, body: dict[str, Any], client: WebClient
) -> None:
    """Fetch the page after the card's stored cursor; each page gets its own ref."""
    ack()
    context = card_for_actor(services, client, body, payloads.action_value(body))
    if context is None:
        return
    if context.events_cursor is None or context.identifier is None:
        notify_text_later(services.jobs, client, body, NO_MORE_TEXT)
        return
    if not payloads.in_modal(body):
        url = payloads.response_url(body)
        run_for_message(
            services,
            "more events",
            url,
            lambda: _to_message(services, context, url),
            channel_id=payloads.channel_id(body),
            user_id=payloads.user_id(body),
        )
        return
    view = body.get("view")
    if isinstance(view, dict) and view.get("callback_id") == EVENTS_VIEW:
        view_id = payloads.view_id(body)  # already on an events page: replace it
    else:
        try:
            view_id = push_modal(
                client, payloads.trigger_id(body), cards.build_loading_view("Loading events…")
            )
        except ModalError as error:
            text = modal_not_opened_text(error.code, MORE_EVENTS_AGAIN)
            notify_text_later(services.jobs, client, body, text)
            return
    run_for_modal(
        services,
        client,
        "more events",
        view_id,
        lambda: _to_modal(services, client, context, view_id),
    )


def next_page(services: AppServices, context: CardContext) -> dict[str, Any]:
    """Fetch and audit the next events page; the message to show (a page or an error card)."""
    ident = context.identifier
    assert ident is not None
    number = context.events_page + 1
    try:
        page = services.profiles.fetch_events_page(ident, context.events_cursor)
    except ProfileApiError as error:
        audit(services, context, action="page", outcome=error.kind.value, identifier=ident)
        return cards.build_error_message(error, ident)
    ref = services.contexts.create(
        replace(context, events_cursor=page.next_cursor, events_page=number)
    )
    audit(
        services,
        context,
        action="page",
        outcome="shown",
        identifier=ident,
        sections=["events"],
        detail=f"events page {number}",
    )
    return cards.build_events_message(
        ident.display(), page, ref=ref, page_number=number, options=services.cards
    )


def _to_message(services: AppServices, context: CardContext, url: str | None) -> None:
    deliver_privately(
        services.web_client,
        url,
        next_page(services, context),
        replace_original=False,
        channel_id=context.channel_id,
        user_id=context.requester,
    )


def _to_modal(
    services: AppServices, client: WebClient, context: CardContext, view_id: str | None
) -> None:
    update_modal(client, view_id, events_view(next_page(services, context)))
