"""The person confirmed Share: post the shareable-only card into the conversation (or thread)."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.segment.errors import ProfileApiError
from bot.slack import cards, payloads
from bot.slack import component_ids as ids
from bot.slack.audit_trail import audit
from bot.slack.cards.notices import SHARE_FAILED_TEXT
from bot.slack.context import CardContext
from bot.slack.delivery import update_modal
from bot.slack.listeners.common import after_ack_lands, card_for_submission, run_for_modal
from bot.slack.services import AppServices
from bot.slack.share_policy import (
    NOT_IN_CHANNEL_CODES,
    NOT_IN_CHANNEL_TEXT,
    check_share,
    share_needs_target,
)
from bot.slack.web_client import error_code

logger = logging.getLogger(__name__)

CHOOSE_TEXT = "Choose the conversation to share the card into."
SHARED_TEXT = "Shared. Everyone in the conversation can now see the shareable details."


def handle_share_confirm(
    services: AppServices, ack: Ack, body: dict[str, Any], client: WebClient
) -> None:
    """Swap the preview for "Sharing…" in the ack; post and report in a job."""
    context = card_for_submission(services, ack, body)
    if context is None:
        return
    if share_needs_target(context):
        # The conversation chosen in the confirmation; check_share applies the policy to it.
        target = payloads.selected_conversation(
            body, ids.SHARE_TARGET_BLOCK, ids.SHARE_TARGET_INPUT
        )
        if target is None:
            ack(response_action="errors", errors={ids.SHARE_TARGET_BLOCK: CHOOSE_TEXT})
            return
        context = replace(context, channel_id=target, thread_ts=None)
    ack(response_action="update", view=cards.build_loading_view("Sharing…"))
    view_id = payloads.view_id(body)
    user_id = payloads.user_id(body) or context.requester
    run_for_modal(
        services,
        client,
        "share",
        view_id,
        after_ack_lands(lambda: post_share(services, client, context, user_id, view_id)),
    )


def post_share(
    services: AppServices,
    client: WebClient,
    context: CardContext,
    user_id: str,
    view_id: str | None,
) -> None:
    """Job body: re-check the policy, post with chat.postMessage, report the result."""
    ident = context.identifier
    if ident is None:
        return
    check = check_share(services.share_policy, client, context.channel_id)
    outcome, text, detail = "share_refused", check.text, check.code
    if check.allowed and context.channel_id:
        try:
            profile = services.profiles.fetch_profile(ident).profile
        except ProfileApiError as error:
            audit(services, context, action="share", outcome=error.kind.value, identifier=ident)
            update_modal(client, view_id, cards.build_error_view(error, ident))
            return
        message = cards.build_shared_message(profile, services.cards, shared_by_user_id=user_id)
        try:
            client.chat_postMessage(
                channel=context.channel_id,
                thread_ts=context.thread_ts,
                text=message.get("text", ""),
                blocks=message.get("blocks"),
                unfurl_links=False,
                unfurl_media=False,
            )
            outcome, text, detail = "shared", SHARED_TEXT, ""
        except Exception as exc:
            detail = error_code(exc)
            logger.info("chat.postMessage failed: %s", detail)
            in_channel = detail in NOT_IN_CHANNEL_CODES
            text = NOT_IN_CHANNEL_TEXT if in_channel else SHARE_FAILED_TEXT.format(code=detail)
    audit(
        services,
        context,
        action="share",
        outcome=outcome,
        identifier=ident,
        sections=["traits"] if outcome == "shared" else (),
        detail=detail or None,
    )
    update_modal(client, view_id, cards.build_notice_modal(text))
