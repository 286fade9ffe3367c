"""Button listeners. Every one checks that the clicker is the person who asked (via the ref)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.slack import component_ids as ids
from bot.slack.listeners.actions.all_traits import handle_all_traits, handle_page
from bot.slack.listeners.actions.more_events import handle_more_events
from bot.slack.listeners.actions.navigate import handle_open_linked, handle_people
from bot.slack.listeners.actions.pick_identifier import handle_pick, handle_type_instead
from bot.slack.listeners.actions.share import handle_share
from bot.slack.services import AppServices

Handler = Callable[[AppServices, Ack, dict[str, Any], WebClient], None]


def register(app: App, services: AppServices) -> None:
    """Register every card button."""
    handlers: dict[str, Handler] = {
        ids.ALL_TRAITS: handle_all_traits,
        ids.ALL_TRAITS_PAGE: handle_page,
        ids.MORE_EVENTS: handle_more_events,
        ids.SHARE: handle_share,
        ids.PICK_IDENTIFIER: handle_pick,
        ids.TYPE_IDENTIFIER: handle_type_instead,
        ids.PEOPLE: handle_people,
        ids.OPEN_PERSON: handle_open_linked,
        ids.OPEN_ACCOUNT: handle_open_linked,
    }
    for action_id, handler in handlers.items():
        app.action(block_action(action_id))(ack=ack_at_once, lazy=[_bind(services, handler)])

    def open_in_segment(ack: Ack) -> None:
        # A URL button: Slack opens the link itself and still sends an action to acknowledge.
        ack()

    app.action(block_action(ids.OPEN_IN_SEGMENT))(open_in_segment)


def block_action(action_id: str) -> dict[str, str | re.Pattern[str]]:
    """A matcher for block_actions with `action_id` only. A plain `app.action("x")` would also
    match a dialog submission, an attachment button or a workflow step edit whose callback_id is
    "x" (slack_bolt/listener_matcher/builtins.py), payloads these handlers were not written for."""
    return {"type": "block_actions", "action_id": action_id}


def ack_at_once(ack: Ack) -> None:
    """Acknowledge a click in the request thread; the handler then runs as a lazy function."""
    ack()


def _bind(services: AppServices, handler: Handler) -> Callable[..., None]:
    def listener(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        handler(services, ack, body, client)

    listener.__name__ = handler.__name__
    return listener
