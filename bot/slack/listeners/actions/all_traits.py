""" "All traits": a modal with every visible trait, paged with Previous/Next buttons."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.segment.errors import ProfileApiError
from bot.slack import cards, payloads
from bot.slack.context import CardContext
from bot.slack.delivery import ModalError, open_for_click, update_modal
from bot.slack.listeners.common import card_for_actor, run_for_modal
from bot.slack.lookup_flow import audit
from bot.slack.notices import notify_text_later
from bot.slack.services import AppServices

MODAL_FAILED_TEXT = "Slack didn't open the window in time. Please press the button again."


def handle_all_traits(
    services: AppServices, ack: Ack, body: dict[str, Any], client: WebClient
) -> None:
    """Open (or, from a modal card, push) a loading modal now, then fill page 1 in a job."""
    ack()
    ref = payloads.action_value(body)
    context = card_for_actor(services, client, body, ref)
    if context is None:
        return
    loading = cards.build_loading_view("Loading all traits…")
    try:
        view_id = open_for_click(client, body, loading)
    except ModalError:
        notify_text_later(services.jobs, client, body, MODAL_FAILED_TEXT)
        return
    run_for_modal(
        services,
        client,
        "all traits",
        view_id,
        lambda: show_page(services, client, context, ref, 1, view_id),
    )


def handle_page(services: AppServices, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """A page button in the all-traits modal: value `ref:page`."""
    ack()
    ref, _, page_text = payloads.action_value(body).rpartition(":")
    try:
        page = max(1, int(page_text))
    except ValueError:
        return
    context = card_for_actor(services, client, body, ref)
    if context is None:
        return
    view_id = payloads.view_id(body)
    run_for_modal(
        services,
        client,
        "all traits page",
        view_id,
        lambda: show_page(services, client, context, ref, page, view_id),
    )


def show_page(
    services: AppServices,
    client: WebClient,
    context: CardContext,
    ref: str,
    page: int,
    view_id: str | None,
) -> None:
    """Job body: fetch the profile (usually from the cache) and show one page of its traits."""
    ident = context.identifier
    if ident is None:
        return
    try:
        result = services.profiles.fetch_profile(ident)
    except ProfileApiError as error:
        audit(services, context, action="page", outcome=error.kind.value, identifier=ident)
        update_modal(client, view_id, cards.build_error_view(error, ident))
        return
    view = cards.build_all_traits_view(
        result.profile, services.cards, ref=ref, page=page, private_metadata=ref
    )
    audit(
        services,
        context,
        action="page",
        outcome="shown",
        identifier=ident,
        sections=["traits"],
        detail=f"all_traits page {page}",
        cached=result.cached,
    )
    update_modal(client, view_id, view)
