"""Is a signed body something Slack sends? Decided by Bolt's own parser, before Bolt runs.

slack_bolt 1.30 parses the body while it builds its request object, outside any error handling:
`payload=null`, `payload={not json`, a form body labelled application/json, a JSON array, or JSON
nested thousands deep raise from `json.loads` or from the context extraction that follows, and
the WSGI server answers 500 with a traceback in the log. Building the same `BoltRequest` here, in
a `try`, gives exactly Bolt's verdict (whatever version is installed) and lets the guard answer
400 instead. Slack always sends a JSON object (Events API), a form (slash commands, ssl_check),
or a form whose `payload` is a JSON object (interactivity).
"""

from __future__ import annotations

from slack_bolt.request import BoltRequest

__all__ = ["MalformedBody", "check_body"]

# Every body Slack sends names what it is: Events API and interactivity payloads a `type`
# (url_verification, event_callback, block_actions, view_submission…), slash commands a
# `command`, the ssl_check probe `ssl_check`.
_SLACK_KEYS = ("type", "command", "ssl_check")


class MalformedBody(ValueError):
    """The body does not parse into a request Slack would send; the reason names no content."""


def check_body(body: str, content_type: str, query: str = "") -> None:
    """Raise MalformedBody unless Bolt can parse `body` into a JSON object and its context."""
    try:
        request = BoltRequest(body=body, query=query, headers={"content-type": content_type})
    except RecursionError:
        raise MalformedBody("JSON nested too deeply") from None
    except ValueError:  # json.JSONDecodeError is one
        raise MalformedBody("body does not parse as Slack's JSON or form") from None
    except Exception as error:  # Bolt's context extraction tripping over an odd shape
        raise MalformedBody(f"body has the wrong shape ({type(error).__name__})") from None
    parsed = request.body
    if not isinstance(parsed, dict):  # build_context fails on anything else today
        raise MalformedBody("body is not a JSON object")
    if not any(isinstance(parsed.get(key), str) and parsed[key] for key in _SLACK_KEYS):
        raise MalformedBody("body has none of the fields Slack sends (type, command, ssl_check)")
