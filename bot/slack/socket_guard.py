"""Socket Mode's handler, refusing envelopes whose payload is not shaped as Slack sends it.

In Socket Mode Slack's payloads arrive already parsed, so the HTTP guard's parsing is moot, but
slack_sdk and Bolt read a few fields unguarded (request_body.check_payload lists Bolt's): a
payload that is not an object, or whose `authorizations`, `actions` or `view` have another shape,
made them log an ERROR traceback from a listener thread and leave the envelope unacknowledged
(Slack would send it again). Here such an envelope is acknowledged with nothing and refused in
one INFO line, before slack_sdk builds its request object.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.slack.request_body import MalformedBody, check_payload

__all__ = ["GuardedSocketModeHandler"]

# The envelope types that carry a request for Bolt (`hello`, `disconnect` carry none).
_REQUEST_TYPES = frozenset({"events_api", "interactive", "slash_commands"})

_log = logging.getLogger(__name__)


class GuardedSocketModeHandler(SocketModeHandler):
    """slack_bolt's built-in Socket Mode handler with `check_payload` in front of slack_sdk."""

    def __init__(self, app: App, app_token: str | None) -> None:
        super().__init__(app, app_token)
        client = self.client
        run_listeners = client.run_message_listeners

        # slack_sdk's client calls this for each message, on its worker threads; it is the first
        # place that sees the parsed envelope (the handler builds its client itself, so the
        # method is wrapped on that instance rather than subclassed).
        def guarded(message: dict[str, Any], raw_message: str) -> None:
            kind = message.get("type")
            if kind in _REQUEST_TYPES:
                try:
                    check_payload(message.get("payload"))
                except MalformedBody as malformed:
                    _log.info("refused a Socket Mode %s envelope: %s", kind, malformed)
                    envelope_id = message.get("envelope_id")
                    if isinstance(envelope_id, str) and envelope_id:
                        response = SocketModeResponse(envelope_id=envelope_id)
                        client.send_socket_mode_response(response)
                    return
            run_listeners(message, raw_message)

        client.run_message_listeners = guarded  # type: ignore[method-assign]
