"""What a failed run of the workflow step says. Slack shows `fail(…)`'s text for the failed step
(functions.completeError: "a human-readable error message"), so plain text: no mrkdwn here."""

from __future__ import annotations

import math
from collections.abc import Sequence

from bot.segment.errors import ErrorKind, ProfileApiError
from bot.slack.cards import text as t

STEP_BUSY_TEXT = "Customer lookup: the bot is busy right now. Run the workflow again in a moment."
STEP_FAILED_TEXT = (
    "Customer lookup: something went wrong on the bot's side. Run the workflow again."
)
STEP_NO_REQUESTER_TEXT = (
    "Customer lookup: the step's 'Requested by' input is empty or not a person. Set it to the "
    "person who runs the workflow."
)
STEP_EXTERNAL_REQUESTER_TEXT = (
    "Customer lookup: the person this workflow runs for belongs to another organisation, and "
    "this bot only serves the organisation that installed it."
)
STEP_UNKNOWN_TEAM_TEXT = (
    "Customer lookup: Slack did not say which organisation the person this workflow runs for "
    "belongs to, so the bot can't serve them."
)
STEP_SHARING_OFF_TEXT = (
    "Customer lookup: sharing customer data is turned off for this bot "
    "(PROFILE_SHARING_ENABLED=false), so the workflow step can't pass it on."
)
STEP_NO_CHANNEL_TEXT = (
    "Customer lookup: set the step's 'Results will be posted in' input to the conversation the "
    "workflow posts the results to, so the bot can check it is not shared with another "
    "organisation."
)
STEP_TRAITS_FAILED_TEXT = (
    "Customer lookup: Segment could not return this customer's traits ({reason}). "
    "Run the workflow again in a minute."
)
_REASONS = {
    ErrorKind.UNAUTHORIZED: "the bot's Segment token or space is wrong; tell your Slack admin",
    ErrorKind.INVALID_REQUEST: "Segment rejected the lookup; check the identifier",
    ErrorKind.UPSTREAM: "Segment had a problem answering",
    ErrorKind.TIMEOUT: "Segment didn't answer in time",
    ErrorKind.MALFORMED: "Segment sent an answer the bot couldn't read",
    ErrorKind.TOO_LARGE: "this profile is too large for the bot",
    ErrorKind.CIRCUIT_OPEN: "Segment has failed several lookups in a row; the bot is pausing calls",
}


def step_denied_text(group_labels: Sequence[str]) -> str:
    """The run is for someone outside the allowed groups."""
    groups = ", ".join(group_labels[:10]) or "the allowed user groups"
    return (
        "Customer lookup: the person this workflow runs for doesn't have access to customer "
        f"profiles. Ask to be added to {t.truncate(groups, 300)}."
    )


def step_unavailable_text(reason: str) -> str:
    """Membership could not be checked (fail closed)."""
    return f"Customer lookup: the bot can't check access right now ({reason}). Try again later."


def step_disabled_text(detail: str) -> str:
    """Slack refused to set who may use the step."""
    return (
        f"Customer lookup: this step is turned off because {detail}. "
        "Ask your Slack admin to run `profile-bot check`."
    )


def step_invalid_input_text(reason: str) -> str:
    """The identifier input is not something /profile accepts."""
    return f"Customer lookup: the identifier isn't valid. {t.truncate(t.clean_text(reason), 300)}"


def step_channel_refused_text(reason: str) -> str:
    """The conversation the results go to may not receive customer data."""
    return f"Customer lookup: {t.truncate(t.clean_text(reason), 400)}"


def step_error_text(error: ProfileApiError) -> str:
    """A lookup that failed (not "not found"): kind, HTTP status and Segment's Request-Id."""
    if error.kind is ErrorKind.RATE_LIMITED:
        wait = error.retry_after
        hint = (
            f"try again in ~{min(math.ceil(wait), 3600):,} s"
            if wait is not None and math.isfinite(wait) and wait > 0
            else "try again in a moment"
        )
        text = f"Customer lookup: Segment is busy, {hint}."
    else:
        reason = _REASONS.get(error.kind, "Segment had a problem")
        status = f" (HTTP {error.status})" if error.status else ""
        text = f"Customer lookup: {reason}{status}."
    if error.request_id:
        text += f" Segment Request-Id: {t.truncate(t.clean_text(error.request_id), 80)}"
    return text
