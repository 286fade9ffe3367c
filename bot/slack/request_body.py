"""Is a body something Slack sends? Checked before Bolt runs, over HTTP and in Socket Mode.

slack_bolt 1.30 parses the body while it builds its request object, outside any error handling:
`payload=null`, `payload={not json`, a form body labelled application/json, a JSON array, or JSON
nested thousands deep raise from `json.loads` or from the context extraction that follows, and
the WSGI server answers 500 with a traceback in the log. Its listener matchers then index a few
fields without looking (`actions[0]["action_id"]`, `view["callback_id"]`…), so a payload of
another shape ends in a 500 and an ERROR traceback too. `check_body` builds the same
`BoltRequest` in a `try` (Bolt's own verdict on parsing, whatever version is installed) and
`check_payload` checks the shape of the fields Bolt reads unguarded. Slack always sends a JSON
object (Events API), a form (slash commands, ssl_check) or a form whose `payload` is one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt.request import BoltRequest

__all__ = ["MalformedBody", "check_body", "check_payload"]

# Every body Slack sends names what it is: Events API and interactivity payloads a `type`
# (url_verification, event_callback, block_actions, view_submission…), slash commands a
# `command`, the ssl_check probe `ssl_check`.
_NAMING_KEYS = ("type", "command", "ssl_check")
# Only fields Bolt (or the bot) reads without looking at their type; others vary by payload type
# (`state` is an object in block_actions but a string in dialog_submission) and are left alone.
_STRINGS = ("type", "command", "callback_id", "action_id", "response_url")
_IDS = ("user", "team", "channel", "enterprise")  # Bolt reads an id string or an {"id"} object
_OBJECTS = ("event", "view")
_LISTS_OF_OBJECTS = ("authorizations", "actions", "response_urls")


class MalformedBody(ValueError):
    """The body is not a request Slack would send; the reason names no content."""


def check_body(body: str, content_type: str, query: str = "") -> None:
    """Raise MalformedBody unless Bolt parses `body` into a payload `check_payload` accepts."""
    try:
        request = BoltRequest(body=body, query=query, headers={"content-type": content_type})
    except RecursionError:
        raise MalformedBody("JSON nested too deeply") from None
    except ValueError:  # json.JSONDecodeError is one
        raise MalformedBody("body does not parse as Slack's JSON or form") from None
    except Exception as error:  # Bolt's context extraction tripping over an odd shape
        raise MalformedBody(f"body has the wrong shape ({type(error).__name__})") from None
    check_payload(request.body)


def check_payload(payload: Any) -> None:
    """Raise MalformedBody unless `payload` has the shape Bolt relies on in what Slack sends."""
    if not isinstance(payload, Mapping):
        raise MalformedBody("payload is not a JSON object")
    if not any(isinstance(payload.get(key), str) and payload[key] for key in _NAMING_KEYS):
        raise MalformedBody("payload has none of the fields Slack sends (type, command, ssl_check)")
    _require(payload, _STRINGS, lambda v: isinstance(v, str), "a string")
    _require(payload, _IDS, lambda v: isinstance(v, str | Mapping), "an id or an object")
    _require(payload, _OBJECTS, lambda v: isinstance(v, Mapping), "an object")
    _require(
        payload,
        _LISTS_OF_OBJECTS,
        lambda v: isinstance(v, list) and all(isinstance(item, Mapping) for item in v),
        "a list of objects",
    )
    kind = payload.get("type")
    event = payload.get("event")
    if event is not None and not isinstance(event.get("type"), str):
        raise MalformedBody("event has no type")
    if kind == "block_actions" and not all(
        isinstance(action.get("action_id"), str) for action in payload.get("actions") or ()
    ):
        raise MalformedBody("an action has no action_id")
    if kind in ("view_submission", "view_closed") and not isinstance(
        (payload.get("view") or {}).get("callback_id"), str
    ):
        raise MalformedBody("view has no callback_id")


def _require(
    payload: Mapping[str, Any], keys: tuple[str, ...], ok: Callable[[Any], bool], what: str
) -> None:
    for key in keys:
        value = payload.get(key)
        if value is not None and not ok(value):
            raise MalformedBody(f"{key} is not {what}")
