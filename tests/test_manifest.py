"""manifest.yml: it parses, declares what the code serves, respects Slack's field limits
(slack-platform.md §7) and asks for exactly the bot scopes the code's Slack calls need.

The scopes are derived, not listed: every Slack Web API call in `bot/` is found in the source
(`client.chat_postMessage(…)`, `api_call("usergroups.list")`, `_call(client, "views_open")`),
mapped to Slack's method name through slack_sdk's own WebClient, then to scopes through
`bot/slack/scopes.METHOD_SCOPES`.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from slack_sdk.web import client as sdk_client

from bot.slack import component_ids as ids
from bot.slack.scopes import METHOD_SCOPES, REQUIRED_BOT_SCOPES
from tests.support.cli_process import REPO

BOT = REPO / "bot"
# The stand-ins play Slack's side; scopes.py names every method on purpose.
NOT_CALLERS = (BOT / "sandbox", BOT / "slack" / "scopes.py")
# Called with the app-level token (connections:write), never the bot token: no bot scope.
APP_TOKEN_METHODS = {"apps.connections.open"}
# What each event subscription needs (https://api.slack.com/events/subteam_members_changed …).
# app_home_opened needs no scope (https://api.slack.com/events/app_home_opened), nor does
# function_executed (docs.slack.dev/reference/events/function_executed).
EVENT_SCOPES: dict[str, str | None] = {
    "subteam_members_changed": "usergroups:read",
    "subteam_updated": "usergroups:read",
    "app_mention": "app_mentions:read",
    "message.im": "im:history",
    "app_home_opened": None,
    "function_executed": None,
}
# A subscription's name → the event type Bolt listens for (message.im arrives as "message").
BOLT_EVENT = {"message.im": "message"}
# Parameter types of a manifest function (Slack's manifest schema, `functions` parameters).
PARAMETER_TYPES = {
    "integer", "number", "boolean", "string", "object", "array",
    "slack#/types/user_context", "slack#/types/user_permission", "slack#/types/user_id",
    "slack#/types/channel_id", "slack#/types/usergroup_id", "slack#/types/timestamp",
    "slack#/types/blocks", "slack#/types/credential/oauth2", "slack#/types/date",
    "slack#/types/interactivity", "slack#/types/rich_text", "slack#/types/form_input",
    "slack#/types/form_input_object", "slack#/types/message_ts", "slack#/types/message_context",
}  # fmt: skip


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    data = yaml.safe_load((REPO / "manifest.yml").read_text())
    assert isinstance(data, dict)
    return data


def _sdk_methods() -> dict[str, str]:
    """slack_sdk WebClient method name → Slack method name, read from the SDK's source."""
    tree = ast.parse(inspect.getsource(sdk_client))
    (web_client,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "WebClient"]
    methods = {}
    for node in web_client.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for call in ast.walk(node):
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and call.func.attr == "api_call"
                and call.args
                and isinstance(call.args[0], ast.Constant)
            ):
                methods[node.name] = str(call.args[0].value)
                break
    return methods


SDK_METHODS = _sdk_methods()
# Methods slack_sdk 3.48 has no wrapper for, called through api_call("…") by name.
UNWRAPPED_METHODS = {
    "functions.distributions.permissions.set",
    "functions.distributions.permissions.list",
}
SLACK_METHODS = set(SDK_METHODS.values()) | UNWRAPPED_METHODS


def _source_files() -> Iterator[Path]:
    for path in sorted(BOT.rglob("*.py")):
        if not any(path == skip or skip in path.parents for skip in NOT_CALLERS):
            yield path


def _slack_calls(tree: ast.AST) -> set[str]:
    """Slack methods one module calls, in any of the ways the code spells a call."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in SDK_METHODS:
            found.add(SDK_METHODS[node.attr])  # client.users_info(…) or client.auth_test
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value in SLACK_METHODS:
                found.add(node.value)  # api_call("usergroups.list"), _call("usergroups.list")
            elif node.value in SDK_METHODS:
                found.add(SDK_METHODS[node.value])  # getattr(client, "views_open")
        elif (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "say"
        ):
            found.add("chat.postMessage")  # Bolt's say()
    return found


def _calls_by_file() -> dict[str, set[str]]:
    calls = {}
    for path in _source_files():
        found = _slack_calls(ast.parse(path.read_text(), str(path)))
        if found:
            calls[str(path.relative_to(REPO))] = found
    return calls


CALLS = _calls_by_file()
CALLED = set().union(*CALLS.values())


def test_the_scan_finds_the_calls_it_must() -> None:
    # A scan that finds nothing would make the scope comparison below vacuous.
    for method in ("usergroups.users.list", "users.info", "chat.postMessage", "views.open"):
        assert method in CALLED, method
    assert "bot/slack/access.py" in CALLS and "usergroups.list" in CALLS["bot/slack/access.py"]


def test_every_called_method_has_a_scope_entry() -> None:
    unknown = CALLED - set(METHOD_SCOPES) - APP_TOKEN_METHODS
    assert not unknown, f"add to bot/slack/scopes.METHOD_SCOPES: {sorted(unknown)} ({CALLS})"
    stale = set(METHOD_SCOPES) - CALLED - {"auth.test"}  # Bolt itself calls auth.test
    assert not stale, f"METHOD_SCOPES lists methods nothing calls: {sorted(stale)}"


def test_app_token_methods_only_where_the_app_token_is_used() -> None:
    users = {f for f, methods in CALLS.items() if methods & APP_TOKEN_METHODS}
    assert users <= {"bot/check.py"}


def test_manifest_scopes_are_exactly_what_the_calls_need(manifest: dict[str, Any]) -> None:
    needed = {"commands"}  # the slash command and the shortcuts
    for method in CALLED - APP_TOKEN_METHODS:
        needed.update(METHOD_SCOPES[method])
    subscribed = manifest["settings"]["event_subscriptions"]["bot_events"]
    needed.update(scope for e in subscribed if (scope := EVENT_SCOPES[e]) is not None)
    declared = manifest["oauth_config"]["scopes"]["bot"]
    assert len(declared) == len(set(declared)), "a scope is listed twice"
    assert set(declared) == needed
    assert set(REQUIRED_BOT_SCOPES) == needed
    assert "user" not in manifest["oauth_config"]["scopes"]  # no user token


def test_manifest_declares_the_command_shortcut_and_socket_mode(manifest: dict[str, Any]) -> None:
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == ids.COMMAND == "/profile"
    assert command["description"] and command["usage_hint"]
    assert command["should_escape"] is False  # the bot reads the raw text (emails, +phones)
    assert "url" not in command  # Socket Mode: Slack needs no request URL
    message_shortcut, global_shortcut = manifest["features"]["shortcuts"]
    assert message_shortcut["type"] == "message"
    assert message_shortcut["callback_id"] == ids.LOOKUP_SHORTCUT == "lookup_profile"
    assert global_shortcut["type"] == "global"
    assert global_shortcut["callback_id"] == ids.SEARCH_SHORTCUT == "search_profile"
    home = manifest["features"]["app_home"]
    assert home["home_tab_enabled"] is True  # views.publish answers not_enabled otherwise
    assert home["messages_tab_enabled"] is True  # people can write to the bot
    assert home["messages_tab_read_only_enabled"] is False
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in manifest["settings"]["interactivity"]
    assert "request_url" not in manifest["settings"].get("event_subscriptions", {})
    assert manifest["features"]["bot_user"]["display_name"]


def _registrations(kind: str) -> set[str]:
    """First arguments of `app.<kind>(…)` in bot/slack/listeners, resolved through ids."""
    values = set()
    for path in (BOT / "slack" / "listeners").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == kind
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "app"
                and node.args
            ):
                arg = node.args[0]
                if isinstance(arg, ast.Dict):  # {"type": "message_action", "callback_id": ids.X}
                    keyed = {
                        k.value: v
                        for k, v in zip(arg.keys, arg.values, strict=True)
                        if isinstance(k, ast.Constant)
                    }
                    arg = keyed.get("callback_id") or keyed.get("command") or arg
                if isinstance(arg, ast.Constant):
                    values.add(str(arg.value))
                elif isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name):
                    assert arg.value.id == "ids", ast.unparse(arg)
                    values.add(getattr(ids, arg.attr))
                else:
                    raise AssertionError(f"cannot read the registration {ast.unparse(arg)}")
    return values


def test_the_code_listens_for_what_the_manifest_declares(manifest: dict[str, Any]) -> None:
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert commands == _registrations("command")
    shortcuts = {s["callback_id"] for s in manifest["features"]["shortcuts"]}
    assert shortcuts == _registrations("shortcut")


def test_event_subscriptions_list_only_handled_events(manifest: dict[str, Any]) -> None:
    subscriptions = manifest["settings"].get("event_subscriptions", {})
    declared = set(subscriptions.get("bot_events", []))
    handled = _registrations("event")
    if _registrations("function"):
        handled.add("function_executed")  # app.function() listens for it
    assert {BOLT_EVENT.get(e, e) for e in declared} == handled
    assert not subscriptions.get("user_events")
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    for event in declared:
        scope = EVENT_SCOPES[event]
        assert scope is None or scope in scopes, event


def test_field_limits(manifest: dict[str, Any]) -> None:
    info = manifest["display_information"]
    assert 0 < len(info["name"]) <= 35
    assert len(info.get("description", "")) <= 140
    assert 174 <= len(info["long_description"]) <= 4000
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", info["background_color"])
    assert manifest["_metadata"]["major_version"] in (1, 2)
    assert 0 < len(manifest["features"]["bot_user"]["display_name"]) <= 80
    commands = manifest["features"]["slash_commands"]
    assert len(commands) <= 50
    for command in commands:
        assert command["command"].startswith("/") and len(command["command"]) <= 32
        assert 0 < len(command["description"]) <= 2000
        assert len(command.get("usage_hint", "")) <= 1000
    shortcuts = manifest["features"]["shortcuts"]
    assert len(shortcuts) <= 10
    for shortcut in shortcuts:
        assert 0 < len(shortcut["name"]) <= 24
        assert 0 < len(shortcut["callback_id"]) <= 255
        assert 0 < len(shortcut["description"]) <= 150
        assert shortcut["type"] in ("message", "global")
    assert len(manifest["oauth_config"]["scopes"]["bot"]) <= 255
    for key in ("org_deploy_enabled", "socket_mode_enabled", "token_rotation_enabled"):
        assert isinstance(manifest["settings"].get(key, False), bool), key


def test_the_scope_reasons_read_as_sentences() -> None:
    # REQUIRED_BOT_SCOPES feeds `profile-bot check` and the README: every scope says why.
    for scope, reason in REQUIRED_BOT_SCOPES.items():
        assert len(reason) > 20 and not reason.endswith("."), scope


def _check_parameters(parameters: dict[str, Any], where: str) -> None:
    # Manifest v1 shape (ours: _metadata.major_version 1): a flat map name → {type, title,
    # description, is_required, hint}; v2 would nest them as {properties, required: [...]}.
    assert isinstance(parameters, dict) and "properties" not in parameters, where
    for name, spec in parameters.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]{0,99}", name), (where, name)
        assert set(spec) <= {"type", "title", "description", "is_required", "hint"}, (where, name)
        assert spec["type"] in PARAMETER_TYPES, (where, name)
        assert 0 < len(spec["title"]) <= 255 and 0 < len(spec["description"]) <= 1000
        assert isinstance(spec.get("is_required", False), bool), (where, name)


def test_the_workflow_step_is_declared_as_slack_expects(manifest: dict[str, Any]) -> None:
    from bot.slack.cards import CardOptions
    from bot.slack.cards.step_outputs import step_output_names
    from bot.slack.listeners.functions import lookup_customer as step

    assert manifest["_metadata"]["major_version"] == 1
    functions = manifest["functions"]
    assert set(functions) == _registrations("function") == {ids.LOOKUP_STEP}
    assert len(functions) <= 50
    for callback_id, function in functions.items():
        assert 0 < len(callback_id) <= 100
        assert set(function) == {"title", "description", "input_parameters", "output_parameters"}
        assert 0 < len(function["title"]) <= 255 and function["description"]
        _check_parameters(function["input_parameters"], f"{callback_id} inputs")
        _check_parameters(function["output_parameters"], f"{callback_id} outputs")
    inputs = functions[ids.LOOKUP_STEP]["input_parameters"]
    assert {n for n, p in inputs.items() if p.get("is_required")} == {
        step.INPUT_IDENTIFIER,
        step.INPUT_REQUESTED_BY,
    }
    assert inputs[step.INPUT_REQUESTED_BY]["type"] == "slack#/types/user_id"
    assert inputs[step.INPUT_CHANNEL]["type"] == "slack#/types/channel_id"
    outputs = functions[ids.LOOKUP_STEP]["output_parameters"]
    assert list(outputs) == step_output_names(CardOptions())  # the default settings' outputs
    assert outputs["found"]["type"] == "boolean" and outputs["found"]["is_required"] is True
    assert all(p["type"] == "string" and not p.get("is_required") for n, p in outputs.items()
               if n != "found")  # fmt: skip
    # Custom steps need an org-ready app and the remote runtime.
    assert manifest["settings"]["org_deploy_enabled"] is True
    assert manifest["settings"]["function_runtime"] == "remote"


def test_the_step_definition_in_code_matches_the_manifest() -> None:
    """`profile-bot offline` declares the step from code; its names and types are the manifest's."""
    from bot.slack.cards.options import CardOptions
    from bot.slack.cards.step_outputs import step_definition

    declared = yaml.safe_load((REPO / "manifest.yml").read_text())["functions"]["lookup_customer"]
    ours = step_definition(CardOptions())
    for key in ("input_parameters", "output_parameters"):
        assert {name: (p["type"], bool(p.get("is_required"))) for name, p in ours[key].items()} == {
            name: (p["type"], bool(p.get("is_required"))) for name, p in declared[key].items()
        }
