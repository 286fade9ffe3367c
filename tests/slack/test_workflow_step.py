"""The "Look up customer in Segment" workflow step over real HTTP: Slack's sandbox starts a run
of the step manifest.yml declares, the signed function_executed event reaches the bot, and the
run ends with functions.completeSuccess (outputs checked against the manifest) or completeError.
The security-relevant runs (non-members, outsiders, redaction, Slack Connect) are scenarios
39-41 in tests/security/test_scenarios_workflow.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.check import run_checks
from bot.sandbox import Fault
from bot.slack.step_distribution import StepStatus
from tests.support.harness import (
    COLLEAGUE,
    GROUP_ID,
    MEMBER,
    MEMBER_2,
    TEAM,
    BotHarness,
)
from tests.support.workflow import STEP, deliver_step, run_step, step_inputs

JANE = "email:jane@example.com"
STEP_OUTPUTS = {"found", "name", "email", "user_id", "company", "plan", "created_at", "summary"}


@pytest.fixture
def step_bot(make_bot: Callable[..., BotHarness]) -> BotHarness:
    """The bot; the harness declares the manifest's step in the Slack sandbox."""
    return make_bot()


def _wait_status(bot: BotHarness, state: str) -> StepStatus:
    bot.wait_until(lambda: bot.services.steps.status.state == state, timeout=8)
    return bot.services.steps.status


def _records(bot: BotHarness, event: dict[str, object]) -> list[dict[str, object]]:
    bot.settle()
    return [
        r
        for r in bot.audit_records()
        if r.get("workflow_execution_id") == event["workflow_execution_id"]
    ]


def test_found_completes_with_the_shareable_outputs_only(step_bot: BotHarness) -> None:
    event, run = run_step(step_bot, JANE)
    assert run["state"] == "completed", run
    outputs = run["outputs"]
    assert set(outputs) == STEP_OUTPUTS  # exactly what the manifest declares
    assert outputs["found"] is True
    assert outputs["name"] == "Jane Doe"
    assert outputs["company"] == "Acme Corp"
    assert outputs["plan"] == "enterprise"
    assert outputs["created_at"] == "2022-08-15T14:03:22.410Z"
    # email and user_id are identifiers: empty unless the admin marks them shareable.
    assert outputs["email"] == "" and outputs["user_id"] == ""
    assert outputs["summary"].startswith("Jane Doe · Company: Acme Corp · Plan: enterprise")
    assert "jane@example.com" not in str(outputs) and "VP of Operations" not in str(outputs)
    [record] = _records(step_bot, event)
    assert record["entry_point"] == "workflow" and record["user_id"] == MEMBER
    assert (record["action"], record["outcome"]) == ("lookup", "shown")
    assert record["id_type"] == "email" and record["team_id"] == TEAM


def test_not_found_completes_with_found_false_and_empty_values(step_bot: BotHarness) -> None:
    event, run = run_step(step_bot, "email:nobody@example.com")
    assert run["state"] == "completed", run
    assert run["outputs"] == dict.fromkeys(STEP_OUTPUTS, "") | {"found": False}
    [record] = _records(step_bot, event)
    assert (record["action"], record["outcome"]) == ("lookup", "not_found")


def test_invalid_input_fails_without_a_lookup(step_bot: BotHarness) -> None:
    event, run = run_step(step_bot, "ssn:078-05-1120")
    assert run["state"] == "failed"
    assert run["error"].startswith("Customer lookup: the identifier isn't valid.")
    assert step_bot.sandbox.request_count() == 0
    [record] = _records(step_bot, event)
    assert (record["outcome"], record["detail"]) == ("invalid_input", "unknown_type")


def test_a_missing_or_malformed_requester_fails(step_bot: BotHarness) -> None:
    for requester in (None, "<@U0MEMBER1>", "U0NOSUCHUSER"):
        _, run = run_step(step_bot, JANE, requested_by=requester)
        assert run["state"] == "failed", requester
        assert "'Requested by' input" in run["error"]
    assert step_bot.sandbox.request_count() == 0


@pytest.mark.parametrize(
    ("fault", "says", "outcome"),
    [
        (Fault(status=503), "Segment had a problem answering (HTTP 503).", "upstream_error"),
        (
            Fault(status=429, headers={"Retry-After": "7"}),
            "Segment is busy, try again in ~7 s.",
            "rate_limited",
        ),
    ],
)
def test_segment_down_or_rate_limited_fails_with_the_reason(
    step_bot: BotHarness, fault: Fault, says: str, outcome: str
) -> None:
    step_bot.sandbox.add_fault(fault)
    event, run = run_step(step_bot, JANE)
    assert run["state"] == "failed"
    assert says in run["error"]
    [record] = _records(step_bot, event)
    assert record["outcome"] == outcome


def test_external_sharing_allowed_needs_no_channel(make_bot: Callable[..., BotHarness]) -> None:
    bot = make_bot(
        env={"PROFILE_SHARE_TO_EXTERNAL_CHANNELS": "true"},
    )
    _, run = run_step(bot, JANE, channel=None)
    assert run["state"] == "completed" and run["outputs"]["found"] is True


def test_sharing_turned_off_turns_the_outputs_off(make_bot: Callable[..., BotHarness]) -> None:
    bot = make_bot(env={"PROFILE_SHARING_ENABLED": "false"})
    _, run = run_step(bot, JANE)
    assert run["state"] == "failed" and "PROFILE_SHARING_ENABLED=false" in run["error"]
    assert bot.sandbox.request_count() == 0


def test_only_declared_outputs_are_sent(make_bot: Callable[..., BotHarness]) -> None:
    # An admin shares `title` but did not add it to the manifest: Slack would refuse it.
    bot = make_bot(
        env={"PROFILE_SHAREABLE_TRAITS": "name,company,plan,created_at,title,email"},
    )
    _, run = run_step(bot, JANE)
    assert run["state"] == "completed", run
    assert set(run["outputs"]) == STEP_OUTPUTS
    assert run["outputs"]["email"] == "jane@example.com"  # now shareable, and declared
    assert "VP of Operations" in run["outputs"]["summary"]  # the summary line may carry it


def test_distribution_follows_the_groups_and_their_changes(step_bot: BotHarness) -> None:
    step_bot.services.sync_workflow_step()
    status = _wait_status(step_bot, "enabled")
    assert (status.permission_type, status.people) == ("named_entities", 2)
    assert step_bot.slack.distribution(STEP) == {
        "permission_type": "named_entities",
        "users": sorted([MEMBER, MEMBER_2]),
    }
    step_bot.slack.set_members(GROUP_ID, [MEMBER, COLLEAGUE])
    sent = step_bot.post_event(
        {"type": "subteam_members_changed", "subteam_id": GROUP_ID, "team_id": TEAM}
    )
    assert sent.response.status_code == 200
    step_bot.wait_until(
        lambda: step_bot.slack.distribution(STEP)["users"] == sorted([MEMBER, COLLEAGUE]),
        timeout=8,
    )


def test_everyone_may_add_the_step_when_everyone_may_use_the_bot(
    make_bot: Callable[..., BotHarness],
) -> None:
    bot = make_bot(
        env={"PROFILE_ALLOW_ALL_USERS": "true", "PROFILE_ALLOWED_USERGROUPS": ""},
    )
    bot.services.sync_workflow_step()
    assert _wait_status(bot, "enabled").permission_type == "everyone"
    assert bot.slack.distribution(STEP)["permission_type"] == "everyone"


def test_a_plan_without_custom_steps_disables_the_step_and_check_says_so(
    step_bot: BotHarness,
) -> None:
    # Slack documents no error code for this; the sandbox answers the one we give it.
    step_bot.slack.refuse_steps("plan_upgrade_required")
    step_bot.services.sync_workflow_step()
    status = _wait_status(step_bot, "disabled")
    assert "plan_upgrade_required" in status.detail
    assert step_bot.slack.distribution(STEP)["permission_type"] == "app_collaborators"
    event, run = run_step(step_bot, JANE)
    assert run["state"] == "failed" and "this step is turned off" in run["error"]
    assert step_bot.sandbox.request_count() == 0
    [record] = _records(step_bot, event)
    assert record["outcome"] == "step_disabled"
    lines = [r.render() for r in run_checks(step_bot.settings)]
    [line] = [line for line in lines if line.startswith("✗ Workflow step lookup_customer")]
    assert "plan_upgrade_required" in line and "paid Slack plan" in line


def test_check_reports_the_step_enabled(step_bot: BotHarness) -> None:
    step_bot.services.sync_workflow_step()
    _wait_status(step_bot, "enabled")
    lines = [r.render() for r in run_checks(step_bot.settings)]
    assert "✓ Workflow step lookup_customer: enabled; may be added to workflows by " in "\n".join(
        lines
    )


def test_a_retried_delivery_runs_once(step_bot: BotHarness) -> None:
    payload, status = deliver_step(step_bot, step_inputs(JANE))
    assert status == 200
    _, status = deliver_step(step_bot, {}, retry_of=payload)  # Slack's retry: same event_id
    assert status == 200
    event = payload["event"]
    step_bot.slack.wait_for_execution_end(event["function_execution_id"], timeout=10)
    step_bot.settle()
    assert len(step_bot.slack.calls("functions.completeSuccess")) == 1
    assert step_bot.slack.calls("functions.completeError") == []
    assert len(_records(step_bot, event)) == 1
