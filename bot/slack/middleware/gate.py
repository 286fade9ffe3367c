"""The access gate as one global Bolt middleware, run before every request a person can send.

Deny by default: every request type is an entry point that must pass, except those that need no
person (events, url_verification, ssl_check; see payloads.entry_kind). A request passes when it
names one person (as Bolt reads it), from the installing organisation, who may use the bot.
Events a person causes (a DM to the bot, an @mention, opening its Home tab) are entry points too
(payloads.person_event_kind). A refusal is a complete answer (a BoltResponse), never a dangling
request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import BoltContext, BoltResponse
from slack_sdk import WebClient

from bot.slack import cards, payloads
from bot.slack.access import AccessDecision
from bot.slack.audit_trail import audit
from bot.slack.delivery import notify_later, refuse_in_chat
from bot.slack.services import AppServices
from bot.slack.slack_connect import HomeOrg, Origin, origin_of

logger = logging.getLogger(__name__)

EXTERNAL_ACTOR_TEXT = (
    "This bot only serves people from the organisation that installed it, so it can't "
    "show customer profiles to you."
)
UNKNOWN_TEAM_TEXT = (
    "The bot can't tell which organisation you belong to, so it can't show customer profiles "
    "to you."
)
USER_MISMATCH_TEXT = "This request names more than one person, so the bot refused it."


def home_org(context: BoltContext) -> HomeOrg:
    """The installing organisation, as Bolt's authorization (auth.test) found it."""
    result = context.authorize_result
    return HomeOrg(
        team_id=getattr(result, "team_id", None) or None,
        enterprise_id=getattr(result, "enterprise_id", None) or None,
    )


def actor_origin(body: Mapping[str, Any], context: BoltContext) -> Origin:
    """Where the person acting comes from, by the payload's team ids (UNKNOWN without any)."""
    return origin_of(
        team_id=payloads.user_team_id(body) or payloads.team_id(body),
        enterprise_id=payloads.enterprise_id(body),
        home=home_org(context),
    )


def admission(
    services: AppServices, body: Mapping[str, Any], context: BoltContext
) -> AccessDecision:
    """Whether the person behind `body` may go on: one person, of the installing organisation,
    allowed by the access check (membership, or users.info with PROFILE_ALLOW_ALL_USERS)."""
    user_id = payloads.user_id(body)
    # Bolt's own reading (context.user_id) is what its listeners see: it must be ours too.
    if payloads.user_conflict(body) or (context.user_id or None) != user_id:
        return AccessDecision(False, "user_mismatch")
    origin = actor_origin(body, context)
    if origin is Origin.OTHER:
        return AccessDecision(False, "external_team")
    if origin is Origin.UNKNOWN:
        return AccessDecision(False, "team_unknown")
    return services.access.check(user_id, home_org(context))


def make_gate_middleware(services: AppServices) -> Callable[..., Any]:
    """The global middleware: members pass on to the listeners, everyone else gets a refusal."""

    def access_gate(
        body: dict[str, Any],
        context: BoltContext,
        client: WebClient,
        next: Callable[[], None],
    ) -> BoltResponse | None:
        kind = payloads.entry_kind(body)
        if kind is None:
            # Events no person caused (bots, edits, deletions, group changes), url_verification,
            # ssl_check: nothing to gate, and their listeners do no lookup.
            next()
            return None
        decision = admission(services, body, context)
        if decision.allowed:
            next()
            return None
        audit(
            services,
            body,
            action="refusal",
            outcome="denied" if decision.reason != "unavailable" else "access_unavailable",
            detail=decision.detail or decision.reason,
        )
        message = _refusal_message(services, decision)
        return _refuse(services, kind, body, client, message)

    return access_gate


def _refusal_message(services: AppServices, decision: AccessDecision) -> dict[str, Any]:
    if decision.reason == "unavailable":
        return cards.build_access_unavailable_message(decision.unavailable_text())
    if decision.reason == "external_team":
        return cards.build_notice_message(EXTERNAL_ACTOR_TEXT)
    if decision.reason == "team_unknown":
        return cards.build_notice_message(UNKNOWN_TEAM_TEXT)
    if decision.reason == "user_mismatch":
        return cards.build_notice_message(USER_MISMATCH_TEXT)
    return cards.build_denied_message(services.access.group_labels())


def _refuse(
    services: AppServices,
    kind: str,
    body: Mapping[str, Any],
    client: WebClient,
    message: dict[str, Any],
) -> BoltResponse:
    """The per-surface refusal (slack-platform.md §5.3): ack body, response_url or modal."""
    if kind == payloads.ENTRY_COMMAND:
        return BoltResponse(status=200, body={**message, "response_type": "ephemeral"})
    if body.get("type") in ("block_suggestion", "dialog_suggestion"):
        return BoltResponse(status=200, body={"options": []})  # an options load: offer nothing
    if body.get("type") == "view_closed":
        return BoltResponse(status=200, body="")  # the modal is gone: nobody to tell
    if kind == payloads.ENTRY_VIEW:
        view = cards.build_message_modal(message)
        return BoltResponse(status=200, body={"response_action": "update", "view": view})
    if kind in _CHAT_KINDS or payloads.entry_point(body) == payloads.ENTRY_HOME:
        # A DM, a mention, the Home tab or its buttons: no response_url, so the refusal goes
        # to the DM, privately to the mentioner, or onto the Home tab (delivery/direct.py).
        snapshot = dict(body)
        services.jobs.submit("refusal", lambda: refuse_in_chat(client, snapshot, message))
        return BoltResponse(status=200, body="")
    notify_later(services.jobs, client, body, message)
    return BoltResponse(status=200, body="")


_CHAT_KINDS = (payloads.ENTRY_DM, payloads.ENTRY_MENTION, payloads.ENTRY_HOME)
