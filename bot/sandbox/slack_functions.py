"""The Web API methods of workflow steps ("custom functions") in the Slack sandbox:
functions.completeSuccess / completeError, who may add a step
(functions.distributions.permissions.*) and bots.info. Runs start in slack_steps.py.

Shapes follow Slack's reference: functions.completeSuccess / completeError (errors
function_execution_not_found, execution_not_in_running_state, parameter_validation_failed) and
functions.distributions.permissions.{set,add,remove,list} (permission_type everyone |
app_collaborators | named_entities | system; errors function_not_found, invalid_permission_type,
invalid_named_entities, user_not_found, permission_type_required).

Slack documents no error code for "this plan has no custom steps"; the sandbox answers whatever
code a test sets in `SlackWorkspace.steps_refusal` for every distribution call.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from bot.sandbox.slack_state import APP_ID, BOT_ID, BOT_USER_ID, SlackError, SlackWorkspace

PERMISSION_TYPES = frozenset({"everyone", "app_collaborators", "named_entities", "system"})
# No scope for completeSuccess/completeError (their reference pages). The distribution methods'
# scope is disputed (app_configurations:write per Slack's API data, "no scopes" per the docs page):
# the sandbox follows the docs page. bots.info needs users:read.
FUNCTION_METHOD_SCOPES: dict[str, str | None] = {
    "functions.completeSuccess": None,
    "functions.completeError": None,
    "functions.distributions.permissions.set": None,
    "functions.distributions.permissions.add": None,
    "functions.distributions.permissions.remove": None,
    "functions.distributions.permissions.list": None,
    "bots.info": "users:read",
}


def _running(ws: SlackWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    execution_id = params.get("function_execution_id")
    if not execution_id:
        raise SlackError("invalid_arguments", response_metadata={"messages": ["missing id"]})
    execution = ws.executions.get(str(execution_id))
    if execution is None:
        raise SlackError("function_execution_not_found")
    if execution["state"] != "running":
        raise SlackError("execution_not_in_running_state")
    return execution


def _check_outputs(ws: SlackWorkspace, callback_id: str, outputs: Any) -> dict[str, Any]:
    if isinstance(outputs, str):
        try:
            outputs = json.loads(outputs)
        except ValueError:
            raise SlackError("parameter_validation_failed") from None
    if not isinstance(outputs, dict):
        raise SlackError("parameter_validation_failed")
    declared = ws.functions[callback_id]["definition"].get("output_parameters") or {}
    problems = [f"unknown output {name}" for name in outputs if name not in declared]
    for name, spec in declared.items():
        if name not in outputs:
            if spec.get("is_required"):
                problems.append(f"missing required output {name}")
            continue
        kind, value = spec.get("type"), outputs[name]
        if kind == "boolean" and not isinstance(value, bool):
            problems.append(f"{name} must be a boolean")
        elif kind == "string" and not isinstance(value, str):
            problems.append(f"{name} must be a string")
    if problems:
        raise SlackError("parameter_validation_failed", response_metadata={"messages": problems})
    return outputs


def _complete_success(ws: SlackWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    execution = _running(ws, params)
    outputs = _check_outputs(ws, execution["callback_id"], params.get("outputs"))
    execution.update(state="completed", outputs=outputs)
    return {}


def _complete_error(ws: SlackWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    execution = _running(ws, params)
    error = params.get("error")
    if not isinstance(error, str) or not error:
        raise SlackError("invalid_arguments", response_metadata={"messages": ["missing error"]})
    execution.update(state="failed", error=error)
    return {}


def _function(ws: SlackWorkspace, params: dict[str, Any]) -> str:
    """The callback_id named by function_id, or by function_callback_id + function_app_id."""
    if ws.steps_refusal:
        raise SlackError(ws.steps_refusal)
    function_id = params.get("function_id")
    if function_id:
        for callback_id, function in ws.functions.items():
            if function["id"] == function_id:
                return callback_id
        raise SlackError("function_not_found")
    callback_id = str(params.get("function_callback_id") or "")
    app_id = params.get("function_app_id")
    if not callback_id or not app_id or callback_id not in ws.functions:
        raise SlackError("function_not_found")
    if app_id != APP_ID:
        raise SlackError("app_not_found")
    return callback_id


def _user_ids(ws: SlackWorkspace, params: dict[str, Any]) -> list[str]:
    raw = params.get("user_ids") or []
    ids = raw.split(",") if isinstance(raw, str) else [str(u) for u in raw]
    ids = [u.strip() for u in ids if u.strip()]
    unknown = [u for u in ids if u not in ws.users]
    if unknown:
        raise SlackError("user_not_found")
    return ids


def _permissions(ws: SlackWorkspace, callback_id: str) -> dict[str, Any]:
    current = ws.distributions[callback_id]
    users = [
        {
            "user_id": u,
            "username": ws.users[u]["name"],
            "email": ws.users[u]["profile"].get("email") or "",
        }
        for u in current["users"]
    ]
    return {"permission_type": current["permission_type"], "users": users}


def _set(ws: SlackWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    callback_id = _function(ws, params)
    kind = params.get("permission_type")
    if not kind:
        raise SlackError("permission_type_required")
    if kind not in PERMISSION_TYPES:
        raise SlackError("invalid_permission_type")
    users = _user_ids(ws, params)
    if kind == "named_entities" and not users:
        raise SlackError("invalid_named_entities")
    ws.distributions[callback_id] = {
        "permission_type": kind,
        "users": users if kind == "named_entities" else [],
    }
    return _permissions(ws, callback_id)


def _change(add: bool) -> Callable[[SlackWorkspace, dict[str, Any]], dict[str, Any]]:
    def change(ws: SlackWorkspace, params: dict[str, Any]) -> dict[str, Any]:
        callback_id = _function(ws, params)
        current = ws.distributions[callback_id]
        if current["permission_type"] != "named_entities":
            raise SlackError("invalid_permission_type")
        users = _user_ids(ws, params)
        kept = [u for u in current["users"] if u not in users]
        current["users"] = kept + users if add else kept
        return _permissions(ws, callback_id)

    return change


def _list(ws: SlackWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    return _permissions(ws, _function(ws, params))


def _bots_info(ws: SlackWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("bot") != BOT_ID:
        raise SlackError("bot_not_found")
    bot = {
        "id": BOT_ID,
        "deleted": False,
        "name": "profile-bot",
        "updated": 1600000000,
        "app_id": APP_ID,
        "user_id": BOT_USER_ID,
        "icons": {},
    }
    return {"bot": bot}


FUNCTION_HANDLERS: dict[str, Callable[[SlackWorkspace, dict[str, Any]], dict[str, Any]]] = {
    "functions.completeSuccess": _complete_success,
    "functions.completeError": _complete_error,
    "functions.distributions.permissions.set": _set,
    "functions.distributions.permissions.add": _change(add=True),
    "functions.distributions.permissions.remove": _change(add=False),
    "functions.distributions.permissions.list": _list,
    "bots.info": _bots_info,
}
