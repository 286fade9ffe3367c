"""The one way the Slack side writes audit records: for the person of a card or of a payload."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.identifiers import Identifier
from bot.slack import payloads
from bot.slack.context import CardContext
from bot.slack.services import AppServices


def audit(
    services: AppServices,
    who: CardContext | Mapping[str, Any],
    *,
    action: str,
    outcome: str,
    identifier: Identifier | None = None,
    sections: Sequence[str] = (),
    request_id: str | None = None,
    detail: str | None = None,
    cached: bool | None = None,
) -> None:
    """One audit record for the person behind `who`: a card's context, or a request payload."""
    user_id: str | None
    execution_id: str | None = None
    if isinstance(who, CardContext):
        entry_point, team_id, user_id = who.entry_point, who.team_id, who.requester
        channel_id = who.channel_id
        execution_id = who.workflow_execution_id
    else:
        entry_point = payloads.entry_point(who)
        team_id, user_id = payloads.team_id(who), payloads.user_id(who)
        channel_id = payloads.channel_id(who)
    services.audit.record(
        action=action,
        outcome=outcome,
        entry_point=entry_point,
        team_id=team_id,
        user_id=user_id,
        channel_id=channel_id,
        identifier=identifier,
        sections=sections,
        request_id=request_id,
        detail=detail,
        cached=cached,
        workflow_execution_id=execution_id,
    )
