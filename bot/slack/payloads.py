"""Small readers for Slack request payloads (commands, shortcuts, block actions, views)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ENTRY_COMMAND = "command"
ENTRY_SHORTCUT = "shortcut"
ENTRY_ACTION = "action"
ENTRY_VIEW = "view"
ENTRY_OTHER = "other"  # a request type this bot does not know: gated like the rest, then refused
# The chatbot's entry points: a DM to the bot, an @mention, its Home tab, the global shortcut.
ENTRY_DM = "dm"
ENTRY_MENTION = "mention"
ENTRY_HOME = "home"
ENTRY_GLOBAL_SHORTCUT = "global_shortcut"

# Requests that need no person, so the access gate lets them by: Slack's URL check and SSL check
# (Bolt answers both before any middleware of ours), and Events API deliveries no person caused
# (group changes, bots, edits: see person_event_kind for the ones a person did cause, which are
# entry points). `app_rate_limited` is an Events API notice without a person either.
_NO_PERSON_TYPES = frozenset({"url_verification", "event_callback", "app_rate_limited"})
_SHORTCUT_TYPES = frozenset({"message_action", "shortcut"})
# Every interactive type Bolt routes to `app.action` / `app.options` listeners, legacy ones too:
# Bolt matches a plain-string `app.action("x")` against a dialog's or an attachment's callback_id.
_ACTION_TYPES = frozenset(
    {
        "block_actions",
        "block_suggestion",
        "interactive_message",
        "dialog_submission",
        "dialog_cancellation",
        "dialog_suggestion",
        "workflow_step_edit",
    }
)
_VIEW_TYPES = frozenset({"view_submission", "view_closed"})


def entry_kind(body: Mapping[str, Any]) -> str | None:
    """command | shortcut | action | view | dm | mention | home | other for anything a person
    may have sent; None only for requests that need no person (events no person caused,
    url_verification, ssl_check). Deny by default: a type this function does not know is
    `other`, an entry point like the rest."""
    if "command" in body:
        return ENTRY_COMMAND if isinstance(body.get("command"), str) else ENTRY_OTHER
    if body.get("type") == "event_callback":
        return person_event_kind(body)
    kind = body.get("type")
    if kind in _NO_PERSON_TYPES or (kind is None and body.get("ssl_check") == "1"):
        return None
    if kind in _SHORTCUT_TYPES:
        return ENTRY_SHORTCUT
    if kind in _ACTION_TYPES:
        return ENTRY_ACTION
    if kind in _VIEW_TYPES:
        return ENTRY_VIEW
    return ENTRY_OTHER


def entry_point(body: Mapping[str, Any]) -> str:
    """The entry point an audit record names: entry_kind, refined for the Home tab's buttons
    (`home`) and the global shortcut (`global_shortcut`)."""
    if body.get("type") == "shortcut":
        return ENTRY_GLOBAL_SHORTCUT
    if body.get("type") == "block_actions" and _dict(body.get("view")).get("type") == "home":
        return ENTRY_HOME
    return entry_kind(body) or ENTRY_ACTION


def event(body: Mapping[str, Any]) -> Mapping[str, Any]:
    """The `event` of an Events API delivery ({} for anything else)."""
    return _dict(body.get("event"))


def person_event_kind(body: Mapping[str, Any]) -> str | None:
    """dm | mention | home when a person wrote to the bot, mentioned it or opened its Home tab;
    None for bots (any `bot_id`: Slack dropped the bot_message subtype in 2021), edits,
    deletions and other subtypes, an edited mention (Slack sends it again with `edited`), and
    every other event."""
    found = event(body)
    kind = found.get("type")
    if not _str(found.get("user")) or found.get("bot_id"):
        return None
    if kind == "app_home_opened":
        return ENTRY_HOME if found.get("tab", "home") == "home" else None
    if kind == "app_mention":
        return None if "edited" in found else ENTRY_MENTION
    if kind == "message" and found.get("channel_type") == "im":
        # thread_broadcast and file_share are a person writing too; other subtypes are not.
        subtype = found.get("subtype")
        return ENTRY_DM if subtype in (None, "thread_broadcast", "file_share") else None
    return None


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def user_id(body: Mapping[str, Any]) -> str | None:
    """The person who acted, read as Bolt reads it (slack_bolt/request/internals.py
    extract_user_id): `user` (a string, or `user.id` in interactive payloads), then `user_id`
    (slash commands), then the event's `user` (Events API: Bolt looks into `event` last). Use
    `user_conflict` to refuse a payload that names two people."""
    user = body.get("user")
    if isinstance(user, str):
        return _str(user)
    if isinstance(user, Mapping) and "id" in user:
        return _str(user.get("id"))
    if "user_id" in body:
        return _str(body.get("user_id"))
    return _str(event(body).get("user"))


def user_conflict(body: Mapping[str, Any]) -> bool:
    """True when the payload's user fields disagree (`user.id` or `user` vs `user_id`), or a
    `user` field is present but names nobody: such a payload is refused, whoever it names."""
    user = body.get("user")
    if user is None:
        return False
    named = _str(user) if isinstance(user, str) else None
    if isinstance(user, Mapping):
        named = _str(user.get("id"))
    if named is None:
        return True
    other = body.get("user_id")
    return other is not None and other != named


def user_team_id(body: Mapping[str, Any]) -> str | None:
    """The acting person's own team (may be an enterprise id): `user.team_id` of interactivity
    payloads, `user_team` of a message or mention in a channel shared with another org."""
    return _str(_dict(body.get("user")).get("team_id")) or _str(event(body).get("user_team"))


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
        or _str(event(body).get("channel"))
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


def _state_values(body: Mapping[str, Any]) -> Mapping[str, Any]:
    # Views (modals, the Home tab) carry view.state; message buttons a top-level state.
    values = _dict(_dict(_dict(body.get("view")).get("state")).get("values"))
    return values or _dict(_dict(body.get("state")).get("values"))


def input_value(body: Mapping[str, Any], block_id: str, action_id: str) -> str:
    """A plain-text input's value from a view submission or a Home tab click ('' when empty)."""
    return _str(_dict(_dict(_state_values(body).get(block_id)).get(action_id)).get("value")) or ""


def selected_conversation(body: Mapping[str, Any], block_id: str, action_id: str) -> str | None:
    """The conversation picked in a conversations_select input, if any."""
    element = _dict(_dict(_state_values(body).get(block_id)).get(action_id))
    return _str(element.get("selected_conversation"))
