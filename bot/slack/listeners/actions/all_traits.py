""" "All traits": a modal with every visible trait, paged with Previous/Next buttons."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.slack import cards, payloads
from bot.slack.audit_trail import audit
from bot.slack.cards.notices import ALL_TRAITS_AGAIN
from bot.slack.context import CardContext
from bot.slack.delivery import update_modal
from bot.slack.listeners.common import (
    card_for_actor,
    fetch_for_modal,
    open_loading_then,
    run_for_modal,
)
from bot.slack.services import AppServices


def handle_all_traits(
    services: AppServices, ack: Ack, body: dict[str, Any], client: WebClient
) -> None:
    """Open (or, from a modal card, push) a loading modal now, then fill page 1 in a job."""
    ack()
    ref = payloads.action_value(body)
    context = card_for_actor(services, client, body, ref)
    if context is None:
        return
    open_loading_then(
        services,
        client,
        body,
        loading_text="Loading all traits…",
        again=ALL_TRAITS_AGAIN,
        label="all traits",
        work=lambda view_id: show_page(services, client, context, ref, 1, view_id),
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
    fetched = fetch_for_modal(services, client, context, view_id, action="page")
    if fetched is None:
        return
    ident, result = fetched
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
