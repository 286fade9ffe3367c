"""A person wrote to the bot in its DM: a card per identifier (up to three), a picker for more,
or a short help reply; in the thread when they wrote in one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.slack import payloads
from bot.slack.chat_flow import answer_identifiers, run_in_chat
from bot.slack.context import CardContext
from bot.slack.extract import extract_identifiers
from bot.slack.services import AppServices


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def chat_context(body: Mapping[str, Any], entry_point: str) -> CardContext:
    """The card context of a DM or mention event: who, where, and the thread (if any)."""
    event = payloads.event(body)
    return CardContext(
        requester=payloads.user_id(body) or "",
        team_id=payloads.team_id(body),
        channel_id=_str(event.get("channel")),
        entry_point=entry_point,
        surface="message",
        thread_ts=_str(event.get("thread_ts")),
    )


def handle_dm(services: AppServices, body: Mapping[str, Any]) -> None:
    """Find the identifiers now (cheap); look up and answer as a job."""
    context = chat_context(body, payloads.ENTRY_DM)
    idents = extract_identifiers(payloads.event(body), services.parser)
    run_in_chat(
        services, context, "dm lookup", lambda: answer_identifiers(services, context, idents)
    )
