"""Small readers for Slack request payloads (commands, shortcuts, block actions, views)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ENTRY_COMMAND = "command"
ENTRY_SHORTCUT = "shortcut"
ENTRY_ACTION = "action"
ENTRY_VIEW = "view"


def entry_kind(body: Mapping[str, Any]) -> str | None:
    """command | shortcut | action | view for what a person did; None for events and the rest."""
    if "command" in body and isinstance(body.get("command"), str):
        return ENTRY_COMMAND
    kind = body.get("type")
    if kind in ("message_action", "shortcut"):
        return ENTRY_SHORTCUT
    if kind in ("block_actions", "block_suggestion", "interactive_message"):
        return ENTRY_ACTION
    if kind == "view_submission":
        return ENTRY_VIEW
    return None


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def user_id(body: Mapping[str, Any]) -> str | None:
    """The person who acted."""
    return _str(body.get("user_id")) or _str(_dict(body.get("user")).get("id"))


def user_team_id(body: Mapping[str, Any]) -> str | None:
    """The acting person's own team (interactivity payloads only; may be an enterprise id)."""
    return _str(_dict(body.get("user")).get("team_id"))


def team_id(body: Mapping[str, Any]) -> str | None:
    """The workspace the request came from."""
    return _str(body.get("team_id")) or _str(_dict(body.get("team")).get("id"))


def enterprise_id(body: Mapping[str, Any]) -> str | None:
    """The Enterprise Grid org, if any."""
    return _str(body.get("enterprise_id")) or _str(_dict(body.get("enterprise")).get("id"))


def channel_id(body: Mapping[str, Any]) -> str | None:
    """The conversation the request came from, if any."""
    return (
        _str(body.get("channel_id"))
        or _str(_dict(body.get("channel")).get("id"))
        or _str(_dict(body.get("container")).get("channel_id"))
    )


def response_url(body: Mapping[str, Any]) -> str | None:
    """Where to answer the person (commands, message shortcuts, message buttons)."""
    return _str(body.get("response_url"))


def trigger_id(body: Mapping[str, Any]) -> str | None:
    """The short-lived trigger for opening a modal."""
    return _str(body.get("trigger_id"))


def view_id(body: Mapping[str, Any]) -> str | None:
    """The modal a button or submission came from."""
    return _str(_dict(body.get("view")).get("id"))


def view_hash(body: Mapping[str, Any]) -> str | None:
    """The modal's hash (guards views.update against races)."""
    return _str(_dict(body.get("view")).get("hash"))


def private_metadata(body: Mapping[str, Any]) -> str:
    """The modal's private_metadata (we keep only a card ref there)."""
    return _str(_dict(body.get("view")).get("private_metadata")) or ""


def in_modal(body: Mapping[str, Any]) -> bool:
    """True when a button was pressed inside a modal rather than in a message."""
    return _dict(body.get("container")).get("type") == "view" or (
        body.get("type") == "block_actions" and "view" in body and "message" not in body
    )


def first_action(body: Mapping[str, Any]) -> Mapping[str, Any]:
    """The pressed element of a block_actions payload."""
    actions = body.get("actions")
    if isinstance(actions, list) and actions and isinstance(actions[0], Mapping):
        return actions[0]
    return {}


def action_value(body: Mapping[str, Any]) -> str:
    """The pressed button's value ('' when none)."""
    return _str(first_action(body).get("value")) or ""


def input_value(body: Mapping[str, Any], block_id: str, action_id: str) -> str:
    """A plain-text input's value from a view submission ('' when empty)."""
    values = _dict(_dict(_dict(body.get("view")).get("state")).get("values"))
    return _str(_dict(_dict(values.get(block_id)).get(action_id)).get("value")) or ""
