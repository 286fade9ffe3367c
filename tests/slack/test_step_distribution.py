"""Who may add the workflow step (bot/slack/step_distribution.py) against the Slack sandbox:
bursts of membership changes coalesce, and the last membership always wins."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.sandbox import SlackApiSandbox
from bot.slack.access import AccessChecker
from bot.slack.jobs import JobRunner
from bot.slack.step_distribution import SET_METHOD, StepAvailability
from bot.state.memory import MemoryMembershipStore
from tests.support.step_manifest import STEP, declare_step

TOKEN = "xoxb-sandbox-token"


@pytest.fixture
def slack() -> Iterator[SlackApiSandbox]:
    with SlackApiSandbox(bot_token=TOKEN) as slack_api:
        for user in ("U0ONE", "U0TWO", "U0THREE"):
            slack_api.add_user(user)
        slack_api.add_usergroup("S0CS", "cs-team", ["U0ONE"])
        declare_step(slack_api)
        yield slack_api


def test_a_burst_of_changes_is_two_syncs_and_the_last_membership_wins(
    slack: SlackApiSandbox,
) -> None:
    client = WebClient(token=TOKEN, base_url=slack.api_url)
    memberships = MemoryMembershipStore()
    access = AccessChecker(
        client, memberships, groups=("cs-team",), allow_all=False, membership_ttl=60
    )
    jobs = JobRunner(1)
    steps = StepAvailability()
    gate = threading.Event()
    jobs.submit("blocker", gate.wait)  # the one worker is busy: syncs queue up behind it
    try:
        steps.request_sync(jobs, client, access)
        for members in (["U0ONE", "U0TWO"], ["U0TWO"], ["U0TWO", "U0THREE"]):
            slack.set_members("S0CS", members)
            access.invalidate("S0CS")
            steps.request_sync(jobs, client, access)
        gate.set()
        slack.wait_for_calls(SET_METHOD, count=2, timeout=5)
    finally:
        jobs.shutdown(wait=True)
    assert len(slack.calls(SET_METHOD)) == 2  # the first request, then one for the rest
    assert slack.distribution(STEP)["users"] == ["U0THREE", "U0TWO"]
    assert steps.status.state == "enabled" and steps.status.people == 2


def test_empty_groups_leave_the_step_to_the_app_collaborators(slack: SlackApiSandbox) -> None:
    slack.set_members("S0CS", [])
    client = WebClient(token=TOKEN, base_url=slack.api_url)
    access = AccessChecker(
        client, MemoryMembershipStore(), groups=("cs-team",), allow_all=False, membership_ttl=60
    )
    status = StepAvailability().sync(client, access)
    assert (status.state, status.permission_type) == ("enabled", "app_collaborators")
    assert slack.distribution(STEP)["permission_type"] == "app_collaborators"


def test_unknown_membership_disables_the_step(slack: SlackApiSandbox) -> None:
    slack.fail("usergroups.list", "missing_scope")
    client = WebClient(token=TOKEN, base_url=slack.api_url)
    access = AccessChecker(
        client, MemoryMembershipStore(), groups=("cs-team",), allow_all=False, membership_ttl=60
    )
    status = StepAvailability().sync(client, access)
    assert status.disabled and "missing_scope" in status.detail
    assert slack.calls(SET_METHOD) == []  # nothing is set from a guess
