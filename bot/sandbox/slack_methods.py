"""The Web API methods the Slack sandbox serves, with Slack's response shapes and errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from bot.sandbox.slack_functions import FUNCTION_HANDLERS, FUNCTION_METHOD_SCOPES
from bot.sandbox.slack_state import APP_ID, BOT_ID, BOT_USER_ID, SlackError, SlackWorkspace

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_VIEW_BYTES = 250_000
MAX_PRIVATE_METADATA = 3000
MAX_VIEW_TITLE = 24

# Bot scope a method needs (conversations.info: depends on the conversation's kind).
METHOD_SCOPES: dict[str, str | None] = {
    "auth.test": None,
    "usergroups.list": "usergroups:read",
    "usergroups.users.list": "usergroups:read",
    "users.info": "users:read",
    "conversations.info": None,
    "views.open": None,
    "views.update": None,
    "views.push": None,
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "views.publish": None,
    "conversations.replies": None,  # the history scope of the conversation's kind
    **FUNCTION_METHOD_SCOPES,
}


def call(ws: SlackWorkspace, method: str, params: dict[str, Any]) -> dict[str, Any]:
    """Run one method on the workspace (caller holds ws.lock); raise SlackError on failure."""
    handler = _HANDLERS.get(method)
    if handler is None:
        raise SlackError("unknown_method")
    _require_scope(ws, METHOD_SCOPES[method])
    return {"ok": True, **handler(ws, params)}


def _require_scope(ws: SlackWorkspace, scope: str | None) -> None:
    if scope is not None and scope not in ws.scope_set():
        raise SlackError("missing_scope", needed=scope, provided=ws.scopes)


def _required(params: dict[str, Any], name: str) -> Any:
    value = params.get(name)
    if value is None or value == "":
        raise SlackError("invalid_arguments", response_metadata={"messages": [f"missing {name}"]})
    return value


def _flag(params: dict[str, Any], name: str) -> bool:
    return str(params.get(name, "")).lower() in ("1", "true")


def _auth_test(ws: SlackWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "url": "https://sandbox.slack.com/",
        "team": "Sandbox Workspace",
        "user": "profile-bot",
        "team_id": ws.team_id,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


def _usergroups_list(ws: SlackWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    include_users = _flag(params, "include_users")
    groups = []
    for group in ws.groups.values():
        entry = {k: v for k, v in group.items() if k != "users"}
        entry["user_count"] = str(len(group["users"]))
        if include_users:
            entry["users"] = list(group["users"])
        groups.append(entry)
    return {"usergroups": groups}


def _usergroups_users_list(ws: SlackWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    group = ws.groups.get(str(_required(params, "usergroup")))
    if group is None:
        raise SlackError("no_such_subteam")
    return {"users": list(group["users"])}


def _users_info(ws: SlackWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    user = ws.users.get(str(_required(params, "user")))
    if user is None:
        raise SlackError("user_not_found")
    shown = json.loads(json.dumps(user))
    if "users:read.email" not in ws.scope_set() or shown["profile"].get("email") is None:
        shown["profile"].pop("email", None)
    return {"user": shown}


def _kind_scope(channel: dict[str, Any], suffix: str) -> str:
    """The scope of `suffix` (read, history) for this conversation's kind."""
    if channel["is_im"]:
        return f"im:{suffix}"
    if channel["is_mpim"]:
        return f"mpim:{suffix}"
    if channel["is_group"]:
        return f"groups:{suffix}"
    return f"channels:{suffix}"


def _conversations_info(ws: SlackWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    channel = ws.channels.get(str(_required(params, "channel")))
    if channel is None:
        raise SlackError("channel_not_found")
    _require_scope(ws, _kind_scope(channel, "read"))
    return {"channel": dict(channel)}


def _conversations_replies(ws: SlackWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    channel_id = str(_required(params, "channel"))
    ts = str(_required(params, "ts"))
    channel = ws.channels.get(channel_id)
    if channel is None:
        raise SlackError("channel_not_found")
    _require_scope(ws, _kind_scope(channel, "history"))
    if not channel["is_member"] and not channel["is_channel"]:
        raise SlackError("channel_not_found")  # a private conversation the bot is not in
    thread = [
        m for m in ws.messages.get(channel_id, []) if m.get("ts") == ts or m.get("thread_ts") == ts
    ]
    if not thread:
        raise SlackError("thread_not_found")
    limit = int(params.get("limit") or 1000)
    return {"messages": json.loads(json.dumps(thread[:limit])), "has_more": len(thread) > limit}


def _check_trigger(ws: SlackWorkspace, params: dict[str, Any]) -> None:
    trigger_id = params.get("trigger_id")
    if not isinstance(trigger_id, str) or not trigger_id.strip():
        raise SlackError("invalid_trigger_id")
    if trigger_id in ws.expired_triggers:
        raise SlackError("expired_trigger_id")
    if trigger_id in ws.used_triggers:
        raise SlackError("exchanged_trigger_id")
    ws.used_triggers.add(trigger_id)


def _checked_view(params: dict[str, Any]) -> dict[str, Any]:
    view = _required(params, "view")
    if not isinstance(view, dict):
        raise SlackError("invalid_arguments", response_metadata={"messages": ["view is not JSON"]})
    problems = []
    if view.get("type") not in ("modal", "home"):
        problems.append("[ERROR] must be a modal or home view [json-pointer:/view/type]")
    if len(view.get("blocks") or []) > MAX_VIEW_BLOCKS:
        problems.append(f"[ERROR] no more than {MAX_VIEW_BLOCKS} items allowed [/view/blocks]")
    title = (view.get("title") or {}).get("text", "")
    if view.get("type") == "modal" and not 0 < len(title) <= MAX_VIEW_TITLE:
        problems.append(f"[ERROR] title must be 1-{MAX_VIEW_TITLE} characters [/view/title]")
    if view.get("type") == "home" and any(view.get(k) for k in ("title", "submit", "close")):
        problems.append("[ERROR] a home view has no title, submit or close [json-pointer:/view]")
    if len(view.get("private_metadata") or "") > MAX_PRIVATE_METADATA:
        problems.append("[ERROR] private_metadata is too long [/view/private_metadata]")
    if problems:
        raise SlackError("invalid_arguments", response_metadata={"messages": problems})
    if len(json.dumps(view)) > MAX_VIEW_BYTES:
        raise SlackError("view_too_large")
    return view


def _store_view(
    ws: SlackWorkspace, view: dict[str, Any], view_id: str, previous: str | None, root: str
) -> dict[str, Any]:
    stored = {
        "id": view_id,
        "team_id": ws.team_id,
        "type": view.get("type", "modal"),
        "blocks": view.get("blocks", []),
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "state": {"values": {}},
        "hash": ws.new_hash(),
        "title": view.get("title"),
        "close": view.get("close"),
        "submit": view.get("submit"),
        "clear_on_close": bool(view.get("clear_on_close", False)),
        "notify_on_close": bool(view.get("notify_on_close", False)),
        "previous_view_id": previous,
        "root_view_id": root,
        "app_id": APP_ID,
        "external_id": view.get("external_id", ""),
        "app_installed_team_id": ws.team_id,
        "bot_id": BOT_ID,
    }
    ws.views[view_id] = stored
    return {"view": stored}


def _views_open(ws: SlackWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    view = _checked_view(params)
    _check_trigger(ws, params)
    view_id = ws.new_view_id()
    return _store_view(ws, view, view_id, None, view_id)


def _views_update(ws: SlackWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    view = _checked_view(params)
    view_id = params.get("view_id")
    external_id = params.get("external_id")
    if not view_id and not external_id:
        raise SlackError("invalid_arguments", response_metadata={"messages": ["missing view_id"]})
    current = ws.views.get(str(view_id)) if view_id else None
    if current is None and external_id:
        current = next((v for v in ws.views.values() if v["external_id"] == external_id), None)
    if current is None:
        raise SlackError("not_found")
    expected = params.get("hash")
    if expected and expected != current["hash"]:
        raise SlackError("hash_conflict")
    return _store_view(
        ws, view, current["id"], current["previous_view_id"], current["root_view_id"]
    )


def _views_publish(ws: SlackWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    user_id = str(_required(params, "user_id"))
    view = _checked_view(params)
    if view.get("type") != "home":
        raise SlackError("invalid_arguments", response_metadata={"messages": ["not a home view"]})
    if user_id not in ws.users:
        raise SlackError("user_not_found")
    view_id = ws.home_views.get(user_id) or ws.new_view_id()
    expected = params.get("hash")
    if expected and view_id in ws.views and expected != ws.views[view_id]["hash"]:
        raise SlackError("hash_conflict")
    ws.home_views[user_id] = view_id
    return _store_view(ws, view, view_id, None, view_id)


def _message_channel(ws: SlackWorkspace, channel_id: str, *, must_be_member: bool) -> str:
    channel = ws.channels.get(channel_id)
    if channel is None:
        if channel_id[:1] in ("U", "W"):
            return ws.dm_channel(channel_id)  # chat.postMessage to a user: the bot's DM
        if channel_id[:1] == "D":
            return channel_id  # an existing DM
        raise SlackError("channel_not_found")
    if must_be_member and not channel["is_member"]:
        public_ok = channel["is_channel"] and "chat:write.public" in ws.scope_set()
        if not public_ok:
            raise SlackError("not_in_channel")
    return channel_id


def _check_content(params: dict[str, Any]) -> None:
    blocks = params.get("blocks")
    if not params.get("text") and not blocks and not params.get("attachments"):
        raise SlackError("no_text")
    if blocks is not None and (not isinstance(blocks, list) or len(blocks) > MAX_MESSAGE_BLOCKS):
        raise SlackError("invalid_blocks")


def _chat_post_message(ws: SlackWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    channel = _message_channel(ws, str(_required(params, "channel")), must_be_member=True)
    _check_content(params)
    ts = ws.next_ts()
    message = {
        "type": "message",
        "subtype": "bot_message",
        "text": params.get("text", ""),
        "blocks": params.get("blocks", []),
        "bot_id": BOT_ID,
        "user": BOT_USER_ID,
        "ts": ts,
    }
    if params.get("thread_ts"):
        message["thread_ts"] = params["thread_ts"]
    ws.messages.setdefault(channel, []).append(message)
    return {"channel": channel, "ts": ts, "message": message}


def _chat_post_ephemeral(ws: SlackWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    _message_channel(ws, str(_required(params, "channel")), must_be_member=False)
    _required(params, "user")
    _check_content(params)
    return {"message_ts": ws.next_ts()}


_HANDLERS: dict[str, Callable[[SlackWorkspace, dict[str, Any]], dict[str, Any]]] = {
    "auth.test": _auth_test,
    "usergroups.list": _usergroups_list,
    "usergroups.users.list": _usergroups_users_list,
    "users.info": _users_info,
    "conversations.info": _conversations_info,
    "views.open": _views_open,
    "views.update": _views_update,
    "views.push": _views_open,  # a pushed view needs a fresh trigger too,
    "chat.postMessage": _chat_post_message,
    "chat.postEphemeral": _chat_post_ephemeral,
    "views.publish": _views_publish,
    "conversations.replies": _conversations_replies,
    **FUNCTION_HANDLERS,
}
