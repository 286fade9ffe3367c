"""Lookups answered in conversation: in the bot's DM (a reply, in the thread when the person
wrote in one) or privately to someone who mentioned the bot (their DM when that fails)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from bot.identifiers import Identifier
from bot.slack import cards, payloads
from bot.slack.audit_trail import audit
from bot.slack.cards.chat import MAX_CARDS_PER_MESSAGE
from bot.slack.cards.notices import BUSY_TEXT, LOOKUP_FAILED_TEXT
from bot.slack.context import CardContext
from bot.slack.delivery import VIA_DM, ephemeral_or_dm, post_message
from bot.slack.lookup_flow import message_card, remember_card, run_lookup
from bot.slack.services import AppServices


def reply(
    services: AppServices, context: CardContext, message: dict[str, Any], *, ref: str | None = None
) -> None:
    """Send `message` to the person where `context` says they are; a card that had to go to
    the DM instead (mentions) gets its stored context moved there too, so Share asks where."""
    channel = context.channel_id or context.requester
    if context.entry_point != payloads.ENTRY_MENTION:
        _, failed = post_message(services.web_client, channel, message, thread_ts=context.thread_ts)
        if failed is not None:
            audit(services, context, action="delivery", outcome="undelivered", detail=failed)
        return
    delivery, dm_channel = ephemeral_or_dm(
        services.web_client,
        channel_id=channel,
        user_id=context.requester,
        message=message,
        thread_ts=context.thread_ts,
    )
    if delivery.errors:
        audit(
            services,
            context,
            action="delivery",
            outcome="dm_fallback" if delivery.via == VIA_DM else "undelivered",
            detail=" then ".join(delivery.errors),
        )
    if ref is not None and dm_channel is not None:
        stored = services.contexts.get(ref)
        if stored is not None:
            services.contexts.save(ref, replace(stored, channel_id=dm_channel, thread_ts=None))


def lookup_to_chat(services: AppServices, context: CardContext, ident: Identifier) -> None:
    """Job body: look up `ident` and send the card (every button works on it)."""
    card_context = replace(context.with_identifier(ident), candidates=())
    outcome = run_lookup(services, card_context, ident)
    ref = remember_card(services, card_context, outcome)
    reply(services, card_context, message_card(services, outcome, ref), ref=ref)


def answer_identifiers(
    services: AppServices, context: CardContext, idents: Sequence[Identifier]
) -> None:
    """Job body: a card for each of up to three identifiers, else a picker; help for none."""
    if not idents:
        reply(services, context, cards.build_dm_help_message(services.parser.usage_examples()))
        return
    if len(idents) <= MAX_CARDS_PER_MESSAGE:
        for ident in idents:
            lookup_to_chat(services, context, ident)
        return
    ref = services.contexts.create(replace(context, candidates=tuple(i.display() for i in idents)))
    reply(services, context, cards.build_pick_message(idents, ref=ref))


def run_in_chat(
    services: AppServices, context: CardContext, label: str, work: Callable[[], None]
) -> None:
    """Run `work` as a job; on failure or overload the person is told where they wrote (when
    overloaded, from the request thread, as run_for_message does for commands)."""

    def failed(_exc: BaseException) -> None:
        reply(services, context, cards.build_notice_message(LOOKUP_FAILED_TEXT))

    if not services.jobs.submit(label, work, on_error=failed):
        reply(services, context, cards.build_notice_message(BUSY_TEXT))
