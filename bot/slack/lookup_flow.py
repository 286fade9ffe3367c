"""One lookup from start to audit: fetch the profile, record the outcome, build the right card."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from typing import Any

from slack_sdk import WebClient

from bot.identifiers import ACCOUNT_ID_TYPE, Identifier
from bot.segment.errors import ErrorKind, ProfileApiError
from bot.segment.models import (
    SECTION_ACCOUNTS,
    SECTION_AUDIENCES,
    SECTION_COMPUTED,
    SECTION_EVENTS,
    SECTION_EXTERNAL_IDS,
    SECTION_PEOPLE,
    SECTION_TRAITS,
    Profile,
)
from bot.slack import cards
from bot.slack.audit_trail import audit
from bot.slack.cards.common import customer_name
from bot.slack.context import CardContext
from bot.slack.delivery import deliver_privately, update_modal
from bot.slack.services import AppServices

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LookupOutcome:
    """A finished lookup: a profile (maybe partial) or the error that prevented a card."""

    identifier: Identifier
    profile: Profile | None
    error: ProfileApiError | None
    cached: bool = False


def shown_sections(profile: Profile) -> list[str]:
    """The sections the card can show (present and not failed), for the audit record."""
    present = {
        SECTION_TRAITS: bool(profile.traits),
        SECTION_AUDIENCES: bool(profile.audiences),
        SECTION_COMPUTED: bool(profile.computed_traits),
        SECTION_EXTERNAL_IDS: bool(profile.external_ids),
        SECTION_EVENTS: bool(profile.events),
        SECTION_ACCOUNTS: bool(profile.accounts),
        SECTION_PEOPLE: bool(profile.people),
    }
    return [name for name, has in present.items() if has and name not in profile.errors]


def run_lookup(services: AppServices, context: CardContext, ident: Identifier) -> LookupOutcome:
    """Fetch the profile and audit the outcome (exactly one record)."""
    try:
        result = services.profiles.fetch_profile(ident)
    except ProfileApiError as error:
        audit(
            services,
            context,
            action="lookup",
            outcome=error.kind.value,
            identifier=ident,
            request_id=error.request_id,
        )
        if error.kind is not ErrorKind.NOT_FOUND:
            logger.info("lookup failed: %s", error)  # str(error) carries no identifier
        return LookupOutcome(ident, None, error)
    profile = result.profile
    failed = sorted(profile.errors)
    bare = sum(1 for person in profile.people if person.error is not None)
    if bare:  # an account's people whose details could not be fetched (listed by id)
        failed.append(f"{bare} of {len(profile.people)} people's details")
    audit(
        services,
        context,
        action="lookup",
        outcome="partial" if profile.is_partial else "shown",
        identifier=profile.identifier,  # the form that matched (lowercase, or exactly as typed)
        sections=shown_sections(profile),
        request_id=next((e.request_id for e in profile.errors.values() if e.request_id), None),
        detail=("failed: " + ", ".join(failed)) if failed else None,
        cached=result.cached,
    )
    # Only a lookup that found someone joins the person's recent lookups (the Home tab).
    name = customer_name(profile.traits, services.cards.policy) or ""
    services.history.record(context.requester, ident, name)
    return LookupOutcome(ident, profile, None, result.cached)


def cached_age(outcome: LookupOutcome, now: float | None = None) -> float | None:
    """How old the shown data is (seconds) when it came from the cache; None when fresh."""
    if outcome.profile is None or not outcome.cached:
        return None
    return max(0.0, (time.time() if now is None else now) - outcome.profile.fetched_at)


def message_card(services: AppServices, outcome: LookupOutcome, ref: str) -> dict[str, Any]:
    """The ephemeral message for a finished lookup."""
    if outcome.profile is not None:
        return cards.build_profile_message(
            outcome.profile, services.cards, ref=ref, cached_age=cached_age(outcome)
        )
    assert outcome.error is not None
    return cards.build_error_message(outcome.error, outcome.identifier)


def view_card(services: AppServices, outcome: LookupOutcome, ref: str) -> dict[str, Any]:
    """The modal view for a finished lookup."""
    if outcome.profile is not None:
        return cards.build_profile_view(
            outcome.profile,
            services.cards,
            ref=ref,
            private_metadata=ref,
            cached_age=cached_age(outcome),
        )
    assert outcome.error is not None
    return cards.build_error_view(outcome.error, outcome.identifier)


def related_cards(profile: Profile | None) -> tuple[str, ...]:
    """The cards this one links to, in button order: a person's accounts, an account's people."""
    if profile is None:
        return ()
    if profile.identifier.collection == "accounts":
        return tuple(f"{p.id_type}:{p.id_value}" for p in profile.people)
    return tuple(f"{ACCOUNT_ID_TYPE}:{a.group_id}" for a in profile.accounts)


def remember_card(services: AppServices, context: CardContext, outcome: LookupOutcome) -> str:
    """Store the card's context (events cursor, linked cards) under a fresh ref for its buttons;
    its identifier is the form that matched, so the buttons ask for the same profile."""
    if outcome.profile is None:
        return services.contexts.create(replace(context, events_cursor=None, events_page=1))
    matched = context.with_identifier(outcome.profile.identifier)
    card = replace(
        matched,
        events_cursor=outcome.profile.events_cursor,
        events_page=1,
        related=related_cards(outcome.profile),
    )
    return services.contexts.create(card)


def lookup_to_message(services: AppServices, context: CardContext, ident: Identifier) -> None:
    """Job body: look up and replace the person's "Looking up…" message with the card (or, when
    the response_url is dead, send it by chat.postEphemeral; the fallback is audited)."""
    card_context = context.with_identifier(ident)
    outcome = run_lookup(services, card_context, ident)
    ref = remember_card(services, card_context, outcome)
    delivery = deliver_privately(
        services.web_client,
        context.response_url,
        message_card(services, outcome, ref),
        replace_original=True,
        channel_id=context.channel_id,
        user_id=context.requester,
        thread_ts=context.thread_ts,
    )
    if delivery.errors:
        audit(
            services,
            card_context,
            action="delivery",
            outcome="ephemeral_fallback" if delivery.via else "undelivered",
            identifier=ident,
            detail=" then ".join(delivery.errors),
        )


def lookup_to_modal(
    services: AppServices,
    client: WebClient,
    context: CardContext,
    ident: Identifier,
    view_id: str | None,
) -> None:
    """Job body: look up and replace the loading modal `view_id` with the card."""
    card_context = replace(context.with_identifier(ident), surface="modal", candidates=())
    outcome = run_lookup(services, card_context, ident)
    ref = remember_card(services, card_context, outcome)
    update_modal(client, view_id, view_card(services, outcome, ref))
