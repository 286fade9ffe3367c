""" "Share": check the sharing policy, then show a preview to confirm in a modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.segment.errors import ProfileApiError
from bot.slack import cards, payloads
from bot.slack.audit_trail import audit
from bot.slack.cards.notices import SHARE_AGAIN
from bot.slack.context import CardContext
from bot.slack.delivery import notify_text_later, update_modal
from bot.slack.listeners.common import card_for_actor, open_loading_then
from bot.slack.services import AppServices
from bot.slack.share_policy import DISABLED_TEXT, check_share, share_needs_target


def handle_share(services: AppServices, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """Refuse at once when sharing is off; else a loading modal, then the confirm preview."""
    ack()
    context = card_for_actor(services, client, body, payloads.action_value(body))
    if context is None:
        return
    ref = payloads.action_value(body)
    if not services.share_policy.enabled:
        audit(services, context, action="share", outcome="share_refused", detail="disabled")
        notify_text_later(services.jobs, client, body, DISABLED_TEXT)
        return
    open_loading_then(
        services,
        client,
        body,
        loading_text="Preparing to share…",
        again=SHARE_AGAIN,
        label="share preview",
        work=lambda view_id: show_confirm(services, client, context, ref, view_id),
    )


def show_confirm(
    services: AppServices, client: WebClient, context: CardContext, ref: str, view_id: str
) -> None:
    """Job body: the policy check, then the preview of exactly what would be posted."""
    ident = context.identifier
    if ident is None:
        return
    if share_needs_target(context):
        # Where to is chosen in the confirmation; the policy is applied to that choice then.
        show_preview(services, client, context, ref, view_id, choose_conversation=True)
        return
    check = check_share(services.share_policy, client, context.channel_id)
    if not check.allowed:
        audit(
            services,
            context,
            action="share",
            outcome="share_refused",
            identifier=ident,
            detail=check.code,
        )
        update_modal(client, view_id, cards.build_notice_modal(check.text))
        return
    show_preview(services, client, context, ref, view_id, external=check.channel_is_external)


def show_preview(
    services: AppServices,
    client: WebClient,
    context: CardContext,
    ref: str,
    view_id: str,
    *,
    external: bool = False,
    choose_conversation: bool = False,
) -> None:
    """The confirmation: exactly what would be posted (and, when asked, where to)."""
    ident = context.identifier
    if ident is None:
        return
    try:
        profile = services.profiles.fetch_profile(ident).profile
    except ProfileApiError as error:
        update_modal(client, view_id, cards.build_error_view(error, ident))
        return
    view = cards.build_share_confirm_view(
        profile,
        services.cards,
        ref=ref,
        channel_is_external=external,
        choose_conversation=choose_conversation,
        allow_external=services.share_policy.to_external_channels,
    )
    update_modal(client, view_id, view)
