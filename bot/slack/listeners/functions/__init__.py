"""Workflow Builder steps (Slack "custom functions"): the "Look up customer in Segment" step."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, Complete, Fail

from bot.slack import component_ids as ids
from bot.slack.listeners.functions.lookup_customer import start_step_run
from bot.slack.services import AppServices


def register(app: App, services: AppServices) -> None:
    """Register the lookup_customer step (a function_executed event, acked by Bolt itself)."""

    def lookup_customer(
        body: dict[str, Any], event: dict[str, Any], complete: Complete, fail: Fail
    ) -> None:
        start_step_run(services, body, event, complete, fail)

    # Bolt ≥ 1.20 (`App.function`, bolt-python PR #1021): matches function_executed events for
    # this callback_id, acknowledges them, and hands `complete`/`fail` bound to the execution and
    # to the run's short-lived bot_access_token (AttachingFunctionToken middleware).
    app.function(ids.LOOKUP_STEP)(lookup_customer)
