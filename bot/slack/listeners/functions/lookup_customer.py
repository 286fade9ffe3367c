"""One run of the "Look up customer in Segment" step, from function_executed to complete/fail.

The listener only hands the run to the job pool (Bolt has already acknowledged the event). The
job checks, in order: the step is enabled (Slack accepted its distribution), `requested_by` is a
person of this organisation who passes the access rule, the conversation the results go to may
receive customer data, and the identifier parses; then it looks the customer up (audited by
run_lookup) and completes with the shareable outputs, or fails with a reason Slack shows to the
person the workflow runs for (functions.completeError). Every run writes exactly one audit record
with entry point `workflow` and the workflow execution id.

`function_executed` carries no conversation (docs.slack.dev/reference/events/function_executed),
and later steps may post the outputs anywhere, so the bot cannot see where they go. Unless
PROFILE_SHARE_TO_EXTERNAL_CHANNELS=true, the step therefore requires its `channel` input (where
the results will be posted) and refuses a conversation shared with another organisation, exactly
as Share does. The builder of a workflow sets that input; who may build with the step at all is
the access rule (step_distribution.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt import Complete, Fail

from bot.identifiers import IdentifierError
from bot.segment.errors import ErrorKind
from bot.segment.models import SECTION_TRAITS
from bot.slack import payloads
from bot.slack.audit_trail import audit
from bot.slack.cards import step_notices as notices
from bot.slack.cards.step_outputs import build_step_outputs
from bot.slack.context import CardContext
from bot.slack.lookup_flow import run_lookup
from bot.slack.services import AppServices
from bot.slack.share_policy import check_share
from bot.slack.slack_connect import HomeOrg, Origin, origin_of_user
from bot.slack.web_client import error_code

logger = logging.getLogger(__name__)

ENTRY_WORKFLOW = "workflow"
INPUT_IDENTIFIER = "identifier"
INPUT_REQUESTED_BY = "requested_by"
INPUT_CHANNEL = "channel"
_SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")
_SLACK_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,20}$")

Refusal = tuple[str, str, str | None]  # text for the person, audit outcome, audit detail


@dataclass(frozen=True)
class StepRun:
    """What one function_executed event asks for."""

    context: CardContext
    identifier: str
    declared_outputs: frozenset[str] | None
    home_enterprise: str | None


def step_run(body: Mapping[str, Any], event: Mapping[str, Any]) -> StepRun:
    """Read the run from the Events API payload (inputs are untrusted: a workflow builder's)."""
    inputs = event.get("inputs")
    inputs = inputs if isinstance(inputs, Mapping) else {}
    function = event.get("function")
    outputs = function.get("output_parameters") if isinstance(function, Mapping) else None
    declared = (
        frozenset(str(p.get("name")) for p in outputs if isinstance(p, Mapping))
        if isinstance(outputs, list)
        else None
    )
    requester = inputs.get(INPUT_REQUESTED_BY)
    channel = inputs.get(INPUT_CHANNEL)
    identifier = inputs.get(INPUT_IDENTIFIER)
    execution = event.get("workflow_execution_id")
    context = CardContext(
        requester=requester if isinstance(requester, str) else "",
        team_id=payloads.team_id(body),
        channel_id=channel if isinstance(channel, str) and channel else None,
        entry_point=ENTRY_WORKFLOW,
        surface=ENTRY_WORKFLOW,
        workflow_execution_id=execution if isinstance(execution, str) else None,
    )
    return StepRun(
        context,
        identifier if isinstance(identifier, str) else "",
        declared,
        payloads.enterprise_id(body),
    )


def start_step_run(
    services: AppServices,
    body: Mapping[str, Any],
    event: Mapping[str, Any],
    complete: Complete,
    fail: Fail,
) -> None:
    """Hand the run to the job pool; when the pool is full, fail the run at once."""
    run = step_run(body, event)
    accepted = services.jobs.submit(
        "workflow step",
        lambda: run_step(services, run, complete, fail),
        on_error=lambda _exc: _fail(fail, notices.STEP_FAILED_TEXT),
    )
    if not accepted:
        audit(services, run.context, action="refusal", outcome="busy")
        _fail(fail, notices.STEP_BUSY_TEXT)


def run_step(services: AppServices, run: StepRun, complete: Complete, fail: Fail) -> None:
    """Job body: the checks, the lookup, then complete or fail (see the module docstring)."""
    context = run.context
    refusal = _refusal(services, run)
    if refusal is not None:
        text, refused, detail = refusal
        audit(services, context, action="refusal", outcome=refused, detail=detail)
        _fail(fail, text)
        return
    try:
        ident = services.parser.parse(run.identifier)
    except IdentifierError as error:
        audit(services, context, action="lookup", outcome="invalid_input", detail=error.code)
        _fail(fail, notices.step_invalid_input_text(error.reason))
        return
    outcome = run_lookup(services, context.with_identifier(ident), ident)
    if outcome.error is not None:
        if outcome.error.kind is ErrorKind.NOT_FOUND:
            _complete(
                fail,
                complete,
                build_step_outputs(None, services.cards, declared=run.declared_outputs),
            )
        else:
            _fail(fail, notices.step_error_text(outcome.error))
        return
    assert outcome.profile is not None
    traits_error = outcome.profile.errors.get(SECTION_TRAITS)
    if traits_error is not None:
        _fail(fail, notices.STEP_TRAITS_FAILED_TEXT.format(reason=traits_error.kind.value))
        return
    outputs = build_step_outputs(outcome.profile, services.cards, declared=run.declared_outputs)
    _complete(fail, complete, outputs)


def _refusal(services: AppServices, run: StepRun) -> Refusal | None:
    status = services.steps.status
    if status.disabled:
        services.steps.retry_if_disabled(services.jobs, services.web_client, services.access)
        return notices.step_disabled_text(status.detail), "step_disabled", status.detail
    requester = run.context.requester
    if not _SLACK_USER_ID.match(requester):
        return notices.STEP_NO_REQUESTER_TEXT, "invalid_input", INPUT_REQUESTED_BY
    return _access_refusal(services, run) or _destination_refusal(services, run)


def _access_refusal(services: AppServices, run: StepRun) -> Refusal | None:
    """The gate's rule for `requested_by`: of this organisation, and a member (or allow-all)."""
    requester = run.context.requester
    home = HomeOrg(run.context.team_id, run.home_enterprise)
    if not services.access.allow_all:  # with allow-all, access.check asks users.info itself
        refusal = _origin_refusal(services, requester, home)
        if refusal is not None:
            return refusal
    decision = services.access.check(requester, home)
    if decision.allowed:
        return None
    if decision.reason in ("external_team", "team_unknown"):
        text = notices.STEP_EXTERNAL_REQUESTER_TEXT
        if decision.reason == "team_unknown":
            text = notices.STEP_UNKNOWN_TEAM_TEXT
        return text, "denied", decision.reason
    if decision.reason == "unavailable":
        if decision.detail == "user_not_found":
            return notices.STEP_NO_REQUESTER_TEXT, "invalid_input", INPUT_REQUESTED_BY
        text = notices.step_unavailable_text(decision.unavailable_text())
        return text, "access_unavailable", decision.detail
    return notices.step_denied_text(services.access.group_labels()), "denied", decision.reason


def _origin_refusal(services: AppServices, requester: str, home: HomeOrg) -> Refusal | None:
    """Refuse a person users.info does not place in the installing organisation."""
    # services.web_client carries the bot token. Inside a step Bolt's own `client` carries the
    # run's short-lived bot_access_token instead, whose scopes Slack does not document.
    try:
        user = services.web_client.users_info(user=requester).get("user")
    except Exception as exc:
        code = error_code(exc)
        if code == "user_not_found":
            return notices.STEP_NO_REQUESTER_TEXT, "invalid_input", INPUT_REQUESTED_BY
        return notices.step_unavailable_text(f"users.info: {code}"), "access_unavailable", code
    origin = origin_of_user(user, home) if isinstance(user, Mapping) else Origin.UNKNOWN
    if origin is Origin.OTHER:
        return notices.STEP_EXTERNAL_REQUESTER_TEXT, "denied", "external_team"
    if origin is Origin.UNKNOWN:
        return notices.STEP_UNKNOWN_TEAM_TEXT, "denied", "team_unknown"
    return None


def _destination_refusal(services: AppServices, run: StepRun) -> Refusal | None:
    """Outputs are shared data: Share's policy applies to where the workflow posts them."""
    policy = services.share_policy
    if not policy.enabled:
        return notices.STEP_SHARING_OFF_TEXT, "share_refused", "disabled"
    if policy.to_external_channels:
        return None
    channel = run.context.channel_id
    if channel is None or not _SLACK_CHANNEL_ID.match(channel):
        return notices.STEP_NO_CHANNEL_TEXT, "share_refused", "no_channel"
    check = check_share(policy, services.web_client, channel)
    if check.allowed:
        return None
    return notices.step_channel_refused_text(check.text), "share_refused", check.code


def _complete(fail: Fail, complete: Complete, outputs: dict[str, Any]) -> None:
    try:
        complete(outputs=outputs)
    except Exception as exc:
        code = error_code(exc)
        logger.warning("workflow step outputs refused by Slack: %s", code)
        _fail(fail, f"Customer lookup: Slack did not accept the step's results ({code}).")


def _fail(fail: Fail, text: str) -> None:
    try:
        fail(error=text)
    except Exception as exc:  # e.g. execution_not_in_running_state: nothing more to tell
        logger.warning("workflow step could not be failed: %s", error_code(exc))
