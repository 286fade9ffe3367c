"""Scenarios 39-41: the "Look up customer" Workflow Builder step (issue 14).

A workflow's builder chooses its inputs and where its outputs go, so each run is checked like a
command (the access rule for `requested_by`, Slack Connect), the outputs are redacted like a
shared card, and who may add the step at all follows the allowed groups. Runs are delivered as
signed function_executed events over real HTTP; Slack's side is the sandbox.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.security.checks import fresh, only_record
from tests.support.harness import (
    COLLEAGUE,
    CUSTOMER,
    EXT_CHANNEL,
    GROUP_ID,
    MEMBER,
    MEMBER_2,
    TEAM,
    BotHarness,
)
from tests.support.step_manifest import STEP, manifest_step
from tests.support.workflow import run_step

JANE = "email:jane@example.com"
MALLORY = "email:mallory@example.net"
HIDDEN_VALUES = ("hunter2", "4111 1111 1111 1111", "078-05-1120", "not-a-real-secret-0000")


def test_s39_workflow_run_for_a_non_member_or_outsider_refused(
    make_bot: Callable[..., BotHarness],
) -> None:
    bot = make_bot()
    mark = fresh(bot)
    event, run = run_step(bot, JANE, requested_by=COLLEAGUE)
    assert run["state"] == "failed" and "doesn't have access" in run["error"]
    record = only_record(mark, action="refusal", outcome="denied", entry_point="workflow")
    assert record["workflow_execution_id"] == event["workflow_execution_id"]
    assert record["user_id"] == COLLEAGUE and bot.sandbox.request_count() == 0
    # Everyone at home may use the bot: someone from another organisation still may not.
    everyone = make_bot(env={"PROFILE_ALLOW_ALL_USERS": "true", "PROFILE_ALLOWED_USERGROUPS": ""})
    mark = fresh(everyone)
    _, run = run_step(everyone, JANE, requested_by=CUSTOMER)
    assert run["state"] == "failed" and "another organisation" in run["error"]
    only_record(mark, action="refusal", outcome="denied", detail="external_team")
    assert everyone.sandbox.request_count() == 0


def test_s40_workflow_outputs_only_shareable_and_inert(
    make_bot: Callable[..., BotHarness],
) -> None:
    # An admin pins and shares secret-looking traits, and a manifest even declares outputs for
    # them: hidden traits still never leave, and hostile values come out as inert text.
    definition = manifest_step()
    for key in ("creditCard", "api_secret", "title"):
        definition["output_parameters"][key] = {
            "type": "string",
            "title": key,
            "description": "declared by an admin",
        }
    bot = make_bot(
        env={
            "PROFILE_PINNED_TRAITS": "name,company,title,creditCard,api_secret",
            "PROFILE_SHAREABLE_TRAITS": "name,company,title,creditCard,api_secret",
        },
        configure=lambda h: h.slack.declare_function(STEP, definition),
    )
    mark = fresh(bot)
    event, run = run_step(bot, MALLORY)
    assert run["state"] == "completed", run
    outputs = run["outputs"]
    assert "creditCard" not in outputs and "api_secret" not in outputs
    text = json.dumps(outputs, ensure_ascii=False)
    for needle in (*HIDDEN_VALUES, "<", ">", "mallory@example.net"):
        assert needle not in text, needle
    assert outputs["name"] == "Mallory ‹!channel› Quinn"
    assert outputs["company"] == "‹https://evil.example|Reset your password›"
    assert outputs["title"].startswith("‹!here› urgent: ‹@U123›")
    record = only_record(mark, action="lookup", outcome="shown", entry_point="workflow")
    assert record["workflow_execution_id"] == event["workflow_execution_id"]
    assert "Mallory" not in json.dumps(record)


def test_s40_workflow_results_for_slack_connect_refused(
    make_bot: Callable[..., BotHarness],
) -> None:
    bot = make_bot()
    mark = fresh(bot)
    _, run = run_step(bot, JANE, channel=EXT_CHANNEL)
    assert run["state"] == "failed" and "shared with another organisation" in run["error"]
    only_record(mark, action="refusal", outcome="share_refused", detail="external_channel")
    # The event names no conversation; without the channel input the bot refuses, not guesses.
    mark = fresh(bot)
    _, run = run_step(bot, JANE, channel=None)
    assert run["state"] == "failed"
    only_record(mark, action="refusal", outcome="share_refused", detail="no_channel")
    assert bot.sandbox.request_count() == 0


def test_s41_step_distribution_follows_access(make_bot: Callable[..., BotHarness]) -> None:
    bot = make_bot()
    bot.services.sync_workflow_step()
    bot.wait_until(lambda: bot.slack.distribution(STEP)["users"] == [MEMBER, MEMBER_2], 8)
    assert bot.slack.distribution(STEP)["permission_type"] == "named_entities"
    # MEMBER_2 leaves the group: they can no longer add the step, and their runs are refused.
    bot.slack.set_members(GROUP_ID, [MEMBER])
    bot.post_event({"type": "subteam_members_changed", "subteam_id": GROUP_ID, "team_id": TEAM})
    bot.wait_until(lambda: bot.slack.distribution(STEP)["users"] == [MEMBER], 8)
    _, run = run_step(bot, JANE, requested_by=MEMBER_2)
    assert run["state"] == "failed" and bot.sandbox.request_count() == 0
    # Slack refuses to set the distribution (a plan without custom steps): the step is off.
    bot.slack.refuse_steps("plan_upgrade_required")
    bot.services.sync_workflow_step()
    bot.wait_until(lambda: bot.services.steps.status.disabled, 8)
    mark = fresh(bot)
    _, run = run_step(bot, JANE, requested_by=MEMBER)
    assert run["state"] == "failed" and "turned off" in run["error"]
    only_record(mark, action="refusal", outcome="step_disabled")
    assert bot.sandbox.request_count() == 0
    assert COLLEAGUE not in bot.slack.distribution(STEP)["users"]
