"""Runs of workflow steps in the Slack sandbox: declaring a step as the manifest does, starting a
run (the function_executed Events API payload with its short-lived token), and reading how a run
ended. The Web API methods a run calls are in slack_functions.py.

The payload follows Slack's function_executed reference (https://docs.slack.dev/reference/events/
function_executed/, https://api.slack.com/events/function_executed): `function` with its
parameters as lists, `inputs`, `function_execution_id`, `workflow_execution_id`, `event_ts` and
`bot_access_token`.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from bot.sandbox.slack_state import APP_ID, BOT_USER_ID, SlackWorkspace


def declare(ws: SlackWorkspace, callback_id: str, definition: dict[str, Any]) -> None:
    """Declare a step as the manifest does (v1 shape: flat parameters with is_required)."""
    ws.functions[callback_id] = {
        "id": "Fn" + secrets.token_hex(5).upper(),
        "callback_id": callback_id,
        "definition": json.loads(json.dumps(definition)),
    }
    # A new step can be added by the app's collaborators only, until the app says otherwise.
    ws.distributions.setdefault(callback_id, {"permission_type": "app_collaborators", "users": []})


def _parameters(definition: dict[str, Any], key: str) -> list[dict[str, Any]]:
    declared = definition.get(key) or {}
    return [
        {
            "type": spec.get("type"),
            "name": name,
            "description": spec.get("description", ""),
            "title": spec.get("title", name),
            "is_required": bool(spec.get("is_required", False)),
        }
        for name, spec in declared.items()
    ]


def start_execution(ws: SlackWorkspace, callback_id: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """Start a run of the step and return the Events API payload Slack delivers for it."""
    function = ws.functions[callback_id]
    definition = function["definition"]
    token = "xwfp-" + secrets.token_hex(24)
    execution_id = "Fx" + secrets.token_hex(5).upper()
    workflow_execution_id = "Wx" + secrets.token_hex(5).upper()
    ws.workflow_tokens.add(token)
    ws.executions[execution_id] = {
        "callback_id": callback_id,
        "workflow_execution_id": workflow_execution_id,
        "inputs": dict(inputs),
        "state": "running",
        "outputs": None,
        "error": None,
    }
    now = time.time()
    event = {
        "type": "function_executed",
        "function": {
            "id": function["id"],
            "callback_id": callback_id,
            "title": definition.get("title", callback_id),
            "description": definition.get("description", ""),
            "type": "app",
            "input_parameters": _parameters(definition, "input_parameters"),
            "output_parameters": _parameters(definition, "output_parameters"),
            "app_id": APP_ID,
            "date_created": 1694727597,
            "date_updated": 1698947481,
            "date_deleted": 0,
        },
        "inputs": dict(inputs),
        "function_execution_id": execution_id,
        "workflow_execution_id": workflow_execution_id,
        "event_ts": f"{now:.6f}",
        "bot_access_token": token,
    }
    return {
        "token": "sandbox-verification-token",
        "team_id": ws.team_id,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": "Ev" + secrets.token_hex(5).upper(),
        "event_time": int(now),
        "authorizations": [{"team_id": ws.team_id, "user_id": BOT_USER_ID, "is_bot": True}],
    }


class WorkflowSteps:
    """The SlackApiSandbox methods for workflow steps (mixed into it; uses its workspace)."""

    _ws: SlackWorkspace

    def declare_function(self, callback_id: str, definition: dict[str, Any]) -> None:
        """Declare a workflow step as the manifest's `functions.<callback_id>` does."""
        with self._ws.lock:
            declare(self._ws, callback_id, definition)

    def refuse_steps(self, error: str | None) -> None:
        """Answer distribution calls with `error` (a plan without custom steps); None: allow."""
        with self._ws.lock:
            self._ws.steps_refusal = error

    def start_function(self, callback_id: str, inputs: dict[str, Any]) -> dict[str, Any]:
        """Start a run of a declared step: the function_executed Events API payload to deliver."""
        with self._ws.lock:
            return start_execution(self._ws, callback_id, inputs)

    def execution(self, function_execution_id: str) -> dict[str, Any]:
        """A run's state (running | completed | failed), outputs and error."""
        with self._ws.lock:
            return dict(self._ws.executions[function_execution_id])

    def wait_for_execution_end(
        self, function_execution_id: str, timeout: float = 5.0
    ) -> dict[str, Any]:
        """Block until the run completed or failed; TimeoutError otherwise."""
        with self._ws.lock:
            runs = self._ws.executions
            if not self._ws.lock.wait_for(
                lambda: runs[function_execution_id]["state"] != "running", timeout
            ):
                raise TimeoutError(f"step run {function_execution_id} still running")
            return dict(runs[function_execution_id])

    def distribution(self, callback_id: str) -> dict[str, Any]:
        """Who may add the step to a workflow: permission_type and user ids."""
        with self._ws.lock:
            current = self._ws.distributions[callback_id]
            return {"permission_type": current["permission_type"], "users": list(current["users"])}
