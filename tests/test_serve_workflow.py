"""The workflow step with `profile-bot` running for real (a child process): on start it sets who
may add the step, and a run delivered over Socket Mode ends in functions.completeSuccess."""

from __future__ import annotations

from pathlib import Path

from bot.sandbox import credentials as test_secrets
from tests.support.cli_process import (
    MEMBER,
    BotProcess,
    bot_settings,
    child_environ,
    free_port,
    stand_ins,
)
from tests.support.socket_mode_slack import SocketModeSlack, wait_until
from tests.support.step_manifest import STEP

SET = "functions.distributions.permissions.set"


def test_http_mode_sets_the_step_distribution_on_start(tmp_path: Path) -> None:
    port = free_port()
    with stand_ins() as (sandbox, slack):
        settings = bot_settings(sandbox, slack.api_url, PORT=str(port))
        bot = BotProcess.bot(environ=child_environ(settings), cwd=tmp_path)
        try:
            bot.wait_http_ready(port)
            slack.wait_for_calls(SET, timeout=15)
            assert slack.distribution(STEP) == {
                "permission_type": "named_entities",
                "users": [MEMBER],
            }
            line = bot.wait_for_line("workflow step lookup_customer may be added by")
            assert "named_entities (1 people)" in line and MEMBER not in line
        finally:
            bot.kill()
    bot.assert_no_secrets()


def test_a_refused_distribution_is_logged_and_disables_the_step(tmp_path: Path) -> None:
    with (
        stand_ins() as (sandbox, slack),
        SocketModeSlack(slack, app_token=test_secrets.SLACK_APP_TOKEN) as socket_slack,
    ):
        slack.refuse_steps("plan_upgrade_required")  # first: a plan without custom steps
        settings = bot_settings(
            sandbox, socket_slack.api_url, SLACK_APP_TOKEN=test_secrets.SLACK_APP_TOKEN
        )
        bot = BotProcess.bot(environ=child_environ(settings), cwd=tmp_path)
        try:
            socket_slack.wait_connected(timeout=15)
            line = bot.wait_for_line("workflow step lookup_customer disabled")
            assert "plan_upgrade_required" in line
            payload = slack.start_function(
                STEP,
                {"identifier": "jane@example.com", "requested_by": MEMBER, "channel": "C0SANDBOX1"},
            )
            envelope = socket_slack.send_envelope("events_api", payload)
            socket_slack.wait_ack(envelope)
            execution = payload["event"]["function_execution_id"]
            run = slack.wait_for_execution_end(execution, timeout=10)
            assert run["state"] == "failed" and "turned off" in run["error"]
            assert sandbox.request_count() == 0
        finally:
            bot.kill()
    bot.assert_no_secrets()


def test_socket_mode_delivers_a_run_that_completes(tmp_path: Path) -> None:
    with (
        stand_ins() as (sandbox, slack),
        SocketModeSlack(slack, app_token=test_secrets.SLACK_APP_TOKEN) as socket_slack,
    ):
        settings = bot_settings(
            sandbox, socket_slack.api_url, SLACK_APP_TOKEN=test_secrets.SLACK_APP_TOKEN
        )
        bot = BotProcess.bot(environ=child_environ(settings), cwd=tmp_path)
        try:
            socket_slack.wait_connected(timeout=15)
            wait_until(lambda: slack.distribution(STEP)["users"] == [MEMBER], timeout=15)
            payload = slack.start_function(
                STEP,
                {"identifier": "jane@example.com", "requested_by": MEMBER, "channel": "C0SANDBOX1"},
            )
            envelope = socket_slack.send_envelope("events_api", payload)
            socket_slack.wait_ack(envelope)
            run = slack.wait_for_execution_end(payload["event"]["function_execution_id"], 10)
            assert run["state"] == "completed", run
            assert run["outputs"]["found"] is True and run["outputs"]["name"] == "Jane Doe"
        finally:
            bot.kill()
    assert "jane@example.com" not in bot.output
    bot.assert_no_secrets()
