"""Message shortcut "Look up customer": a loading modal at once, then the customer in it.

The identifiers come from the message (text, rich-text blocks, attachments). With several, the
person picks one; with none, the author is looked up when they belong to another organisation
(Slack Connect), else the person types an identifier.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.identifiers import Identifier, IdentifierError
from bot.slack import cards, payloads
from bot.slack.cards.notices import SHORTCUT_AGAIN, modal_not_opened_text
from bot.slack.context import CardContext
from bot.slack.delivery import ModalError, notify_text_later, open_modal, update_modal
from bot.slack.extract import extract_identifiers
from bot.slack.listeners.common import run_for_modal
from bot.slack.lookup_flow import lookup_to_modal
from bot.slack.services import AppServices
from bot.slack.slack_connect import is_external
from bot.slack.web_client import error_code

logger = logging.getLogger(__name__)

NOTHING_FOUND_NOTE = "I found no email, phone number or id in that message."
NO_EMAIL_SCOPE_NOTE = (
    "The message's author is from another organisation, but the app lacks users:read.email, "
    "so Slack hides their email. Type an identifier instead."
)


def handle_lookup_shortcut(
    services: AppServices, ack: Ack, body: dict[str, Any], client: WebClient
) -> None:
    """Ack, open the loading modal with the trigger_id (valid ~3 s), then resolve in a job."""
    ack()
    try:
        view_id = open_modal(client, payloads.trigger_id(body), cards.build_loading_view())
    except ModalError as error:
        logger.info("shortcut modal not opened: %s", error.code)
        notice = modal_not_opened_text(error.code, SHORTCUT_AGAIN)
        notify_text_later(services.jobs, client, body, notice)
        return
    raw_message = body.get("message")
    message: Mapping[str, Any] = raw_message if isinstance(raw_message, Mapping) else {}
    context = CardContext(
        requester=payloads.user_id(body) or "",
        team_id=payloads.team_id(body),
        channel_id=payloads.channel_id(body),
        entry_point=payloads.ENTRY_SHORTCUT,
        surface="modal",
        response_url=payloads.response_url(body),
        thread_ts=_thread_ts(message),
    )
    run_for_modal(
        services,
        client,
        "shortcut lookup",
        view_id,
        lambda: resolve_message(services, client, context, body, message, view_id),
    )


def _thread_ts(message: Mapping[str, Any]) -> str | None:
    value = message.get("thread_ts")
    return value if isinstance(value, str) and value else None


def resolve_message(
    services: AppServices,
    client: WebClient,
    context: CardContext,
    body: Mapping[str, Any],
    message: Mapping[str, Any],
    view_id: str,
) -> None:
    """Job body: decide what to look up, then look it up or ask the person."""
    idents = extract_identifiers(message, services.parser)
    if len(idents) == 1:
        lookup_to_modal(services, client, context, idents[0], view_id)
        return
    if idents:
        ref = services.contexts.create(
            replace(context, candidates=tuple(f"{i.type}:{i.as_entered()}" for i in idents))
        )
        update_modal(
            client, view_id, cards.build_pick_identifier_view(idents, private_metadata=ref)
        )
        return
    author, note = author_identifier(services, client, body, message)
    if author is not None:
        lookup_to_modal(services, client, context, author, view_id)
        return
    ref = services.contexts.create(context)
    update_modal(
        client, view_id, cards.build_enter_identifier_view(private_metadata=ref, note=note)
    )


def author_identifier(
    services: AppServices,
    client: WebClient,
    body: Mapping[str, Any],
    message: Mapping[str, Any],
) -> tuple[Identifier | None, str]:
    """The author's email when they are from another organisation; else (None, a note why not)."""
    author = message.get("user")
    if not isinstance(author, str) or not author:
        return None, NOTHING_FOUND_NOTE  # bot messages have no user
    try:
        response = client.users_info(user=author)
    except Exception as exc:
        logger.info("users.info failed: %s", error_code(exc))
        return None, NOTHING_FOUND_NOTE
    user = response.get("user")
    user = user if isinstance(user, Mapping) else {}
    if not _is_external(user, message, payloads.team_id(body), payloads.enterprise_id(body)):
        return None, NOTHING_FOUND_NOTE
    profile = user.get("profile")
    email = profile.get("email") if isinstance(profile, Mapping) else None
    if not isinstance(email, str) or not email:
        return None, NO_EMAIL_SCOPE_NOTE
    try:
        return services.parser.parse(f"email:{email}"), ""
    except IdentifierError:
        return None, NOTHING_FOUND_NOTE


def _is_external(
    user: Mapping[str, Any],
    message: Mapping[str, Any],
    home_team: str | None,
    home_enterprise: str | None,
) -> bool:
    """True for a Slack Connect author: flagged a stranger/external by Slack, or of another org."""
    if user.get("is_stranger") is True or user.get("is_external") is True:
        return True
    grid = user.get("enterprise_user")
    grid_enterprise = grid.get("enterprise_id") if isinstance(grid, Mapping) else None
    user_team = user.get("team_id")
    # Messages in shared channels name the author's team (`user_team`); exact presence varies.
    message_team = message.get("user_team")
    team = user_team if isinstance(user_team, str) else None
    if team is None and isinstance(message_team, str):
        team = message_team
    return is_external(
        team_id=team,
        enterprise_id=grid_enterprise if isinstance(grid_enterprise, str) else None,
        home_team=home_team,
        home_enterprise=home_enterprise,
    )
