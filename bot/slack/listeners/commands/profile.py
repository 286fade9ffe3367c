"""`/profile <identifier>`: help, refusal of bad input, or at once "Looking up…" then the card."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from slack_bolt import Ack

from bot.identifiers import IdentifierError
from bot.slack import cards, payloads
from bot.slack.audit_trail import audit
from bot.slack.cards.notices import BUSY_TEXT, MAX_PICKS
from bot.slack.context import CardContext
from bot.slack.listeners.common import ack_message, run_for_message
from bot.slack.lookup_flow import lookup_to_message
from bot.slack.services import AppServices

HELP_WORDS = frozenset({"", "help", "?", "-h", "--help"})


def handle_profile_command(services: AppServices, ack: Ack, body: dict[str, Any]) -> None:
    """Ack within milliseconds; the lookup itself runs as a job and answers via response_url."""
    text = str(body.get("text") or "").strip()
    parser = services.parser
    if text.lower() in HELP_WORDS:
        ack_message(ack, cards.build_help_message(parser.usage_examples(), parser.id_types))
        return
    context = CardContext(
        requester=payloads.user_id(body) or "",
        team_id=payloads.team_id(body),
        channel_id=payloads.channel_id(body),
        entry_point=payloads.ENTRY_COMMAND,
        surface="message",
        response_url=payloads.response_url(body),
    )
    try:
        ident = parser.parse(text)
    except IdentifierError as error:
        several = parser.find_all(text, limit=MAX_PICKS)
        if len(several) > 1:
            # `/profile a@x.com b@y.com`: offer each, as the shortcut does (buttons carry a ref).
            ref = services.contexts.create(
                replace(context, candidates=tuple(i.display() for i in several))
            )
            ack_message(ack, cards.build_pick_identifier_message(several, ref=ref))
            return
        ack_message(ack, cards.build_invalid_input_message(error.reason, parser.usage_examples()))
        audit(services, context, action="lookup", outcome="invalid_input", detail=error.code)
        return
    if not services.jobs.accepting():
        ack_message(ack, cards.build_notice_message(BUSY_TEXT))
        return
    ack_message(ack, cards.build_loading_message(ident))
    run_for_message(
        services,
        "command lookup",
        context.response_url,
        lambda: lookup_to_message(services, context, ident),
        replace_original=True,
        channel_id=context.channel_id,
        user_id=context.requester,
    )
