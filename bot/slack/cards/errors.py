"""Friendly error cards for failed lookups and one-line notes for failed profile sections."""

from __future__ import annotations

import math
from typing import Any

from bot.identifiers import Identifier
from bot.segment.errors import ErrorKind, ProfileApiError
from bot.segment.models import (
    SECTION_ACCOUNTS,
    SECTION_AUDIENCES,
    SECTION_COMPUTED,
    SECTION_EVENTS,
    SECTION_EXTERNAL_IDS,
    SECTION_METADATA,
    SECTION_PEOPLE,
    SECTION_TRAITS,
    SectionError,
)
from bot.slack import component_ids as ids
from bot.slack.cards import text as t
from bot.slack.cards.blocks import Block, context, message, modal, section

SECTION_LABELS = {
    SECTION_TRAITS: "Traits",
    SECTION_AUDIENCES: "Audiences",
    SECTION_COMPUTED: "Computed traits",
    SECTION_EXTERNAL_IDS: "Identifiers",
    SECTION_EVENTS: "Recent events",
    SECTION_ACCOUNTS: "Linked accounts",
    SECTION_METADATA: "Profile metadata",
    SECTION_PEOPLE: "Linked people",
}
_SHORT_REASONS = {
    ErrorKind.NOT_FOUND: "Segment has no such profile",
    ErrorKind.UNAUTHORIZED: "Segment refused the bot's token",
    ErrorKind.INVALID_REQUEST: "Segment rejected the request",
    ErrorKind.RATE_LIMITED: "Segment is busy",
    ErrorKind.UPSTREAM: "Segment returned an error",
    ErrorKind.TIMEOUT: "Segment timed out",
    ErrorKind.MALFORMED: "Segment sent an answer the bot could not read",
    ErrorKind.TOO_LARGE: "Segment's answer was too large",
    ErrorKind.CIRCUIT_OPEN: "Segment is paused after repeated failures",
}
_TRY_LATER = "Try again in a minute."
_EXPLANATIONS = {
    ErrorKind.INVALID_REQUEST: (
        "Segment rejected the lookup",
        "Check the identifier's type and value, for example `email:jane@acme.com`.",
    ),
    ErrorKind.UPSTREAM: ("Segment had a problem answering", _TRY_LATER),
    ErrorKind.TIMEOUT: ("Segment didn't answer in time", _TRY_LATER),
    ErrorKind.MALFORMED: ("Segment sent an answer the bot couldn't read", _TRY_LATER),
    ErrorKind.TOO_LARGE: (
        "This profile is too large for the bot to show",
        "Open it in Segment instead.",
    ),
    ErrorKind.CIRCUIT_OPEN: (
        "Segment has failed several lookups in a row",
        "The bot is pausing calls to Segment for a short while. " + _TRY_LATER,
    ),
}
_FALLBACKS = {
    ErrorKind.NOT_FOUND: "No profile found in Segment",
    ErrorKind.UNAUTHORIZED: "The bot's Segment settings are wrong",
    ErrorKind.RATE_LIMITED: "Segment is busy, try again shortly",
}


def _escaped_id(request_id: str) -> str:
    return t.escape_truncated(" ".join(request_id.split()), 80)


def request_ref(request_id: str | None) -> str:
    """` (ref …)` naming Segment's Request-Id, escaped; empty when there is none."""
    return f" (ref {_escaped_id(request_id)})" if request_id else ""


def section_error_line(section_name: str, error: SectionError) -> str:
    """Safe mrkdwn: "Recent events unavailable: Segment timed out (ref …)"."""
    label = SECTION_LABELS.get(section_name) or t.format_key(section_name.replace("_", " "))
    reason = _SHORT_REASONS.get(error.kind, "Segment returned an error")
    return f":warning: {label} unavailable: {reason}{request_ref(error.request_id)}"


def _wait_hint(retry_after: float | None) -> str:
    if retry_after is None or not math.isfinite(retry_after) or retry_after <= 0:
        return "try again in a moment"
    return f"try again in ~{min(math.ceil(retry_after), 3600):,} s"


def _identifier(ident: Identifier | None) -> str:
    return f"*{t.escape_identifier(ident.display(), 300)}*" if ident else "that customer"


def error_blocks(error: ProfileApiError, ident: Identifier | None) -> list[Block]:
    """The blocks of an error card; no detail beyond kind, HTTP status and Request-Id."""
    kind = error.kind
    if kind is ErrorKind.NOT_FOUND:
        return [
            section(f":mag: No profile found for {_identifier(ident)} in Segment."),
            context(
                "Segment matches identifiers exactly, and emails only in lowercase. Try another "
                "id such as `user_id:…`, or a phone number in international form (+15555550123)."
            ),
        ]
    if kind is ErrorKind.UNAUTHORIZED:
        # No detail at all: the person asking can't fix it and needn't see Segment's wording.
        return [
            section(":lock: The bot's Segment token or space is wrong — tell your Slack admin.")
        ]
    if kind is ErrorKind.RATE_LIMITED:
        blocks = [section(f":hourglass: Segment is busy, {_wait_hint(error.retry_after)}.")]
    else:
        title, advice = _EXPLANATIONS.get(kind, ("Segment had a problem", _TRY_LATER))
        status = f" (HTTP {error.status})" if error.status else ""
        blocks = [section(f":warning: *{title}*{status}.\n{advice}")]
    if error.request_id:
        blocks.append(context(f"Segment Request-Id: {_escaped_id(error.request_id)}"))
    return blocks


def build_error_message(error: ProfileApiError, ident: Identifier | None) -> dict[str, Any]:
    """An ephemeral error card for a failed lookup."""
    fallback = _FALLBACKS.get(error.kind, "The profile lookup failed")
    return message(fallback, error_blocks(error, ident))


def build_error_view(error: ProfileApiError, ident: Identifier | None) -> dict[str, Any]:
    """The same error card as a modal."""
    return modal("Customer profile", error_blocks(error, ident), callback_id=ids.PROFILE_VIEW)
