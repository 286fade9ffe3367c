"""Runs of the "Look up customer" workflow step through the real bot: the Slack sandbox starts a
run of the step declared in manifest.yml and the harness delivers its function_executed event
over signed HTTP, as Slack's Events API does."""

from __future__ import annotations

import json
from typing import Any

from tests.support.harness import CHANNEL, MEMBER, BotHarness
from tests.support.step_manifest import STEP, declare_step, manifest_step

__all__ = ["STEP", "declare_step", "deliver_step", "manifest_step", "run_step", "step_inputs"]


def step_inputs(
    identifier: str, *, requested_by: str | None = MEMBER, channel: str | None = CHANNEL
) -> dict[str, Any]:
    """The step's inputs as a workflow fills them (None leaves an input out)."""
    inputs: dict[str, Any] = {"identifier": identifier}
    if requested_by is not None:
        inputs["requested_by"] = requested_by
    if channel is not None:
        inputs["channel"] = channel
    return inputs


def deliver_step(
    bot: BotHarness, inputs: dict[str, Any], *, retry_of: dict[str, Any] | None = None
) -> tuple[dict[str, Any], int]:
    """Start a run (or re-send `retry_of`'s payload as Slack's retry) over signed HTTP:
    (the Events API payload, the HTTP status of the ack)."""
    payload = retry_of if retry_of is not None else bot.slack.start_function(STEP, inputs)
    headers = {"Content-Type": "application/json"}
    if retry_of is not None:
        headers.update({"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    response, _, _ = bot.send(json.dumps(payload), extra_headers=headers)
    return payload, response.status_code


def run_step(
    bot: BotHarness, identifier: str, **inputs: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Deliver a run and wait for its end: (the event, the run as Slack saw it finish)."""
    payload, status = deliver_step(bot, step_inputs(identifier, **inputs))
    assert status == 200
    event = payload["event"]
    finished = bot.slack.wait_for_execution_end(event["function_execution_id"], timeout=10)
    return event, finished
