"""The access gate as one global Bolt middleware, run before every command, shortcut, button
and view submission. A refusal is a complete answer (a BoltResponse), never a dangling request."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import BoltContext, BoltResponse
from slack_sdk import WebClient

from bot.slack import cards, payloads
from bot.slack.access import AccessDecision
from bot.slack.audit_trail import audit
from bot.slack.delivery import notify_later
from bot.slack.services import AppServices
from bot.slack.slack_connect import is_external

logger = logging.getLogger(__name__)

EXTERNAL_ACTOR_TEXT = (
    "This bot only serves people from the organisation that installed it, so it can't "
    "show customer profiles to you."
)


def actor_is_external(body: Mapping[str, Any], context: BoltContext) -> bool:
    """True when the person acting belongs to another organisation (Slack Connect)."""
    result = context.authorize_result
    return is_external(
        team_id=payloads.user_team_id(body) or payloads.team_id(body),
        enterprise_id=payloads.enterprise_id(body),
        home_team=getattr(result, "team_id", None) or None,
        home_enterprise=getattr(result, "enterprise_id", None) or None,
    )


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
            next()  # events (their handlers check what they need), url_verification, view_closed
            return None
        user_id = payloads.user_id(body)
        if actor_is_external(body, context):
            decision = AccessDecision(False, "external_team")
        else:
            decision = services.access.check(user_id)
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
    if body.get("type") == "block_suggestion":
        return BoltResponse(status=200, body={"options": []})  # an options load: offer nothing
    if kind == payloads.ENTRY_VIEW:
        view = cards.build_message_modal(message)
        return BoltResponse(status=200, body={"response_action": "update", "view": view})
    notify_later(services.jobs, client, body, message)
    return BoltResponse(status=200, body="")
