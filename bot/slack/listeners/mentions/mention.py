"""`@profile-bot jane@acme.com`: the card only the mentioner sees, in that conversation (in the
thread). Without an identifier in a thread, the thread's parent message is looked at instead,
and its Slack Connect author as the message shortcut does."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_sdk import WebClient

from bot.identifiers import Identifier
from bot.slack import payloads
from bot.slack.chat_flow import answer_identifiers, run_in_chat
from bot.slack.context import CardContext
from bot.slack.extract import extract_identifiers
from bot.slack.listeners.messages.dm import chat_context
from bot.slack.listeners.shortcuts.lookup_message import author_identifier
from bot.slack.services import AppServices
from bot.slack.web_client import error_code

logger = logging.getLogger(__name__)


def handle_mention(services: AppServices, body: Mapping[str, Any], client: WebClient) -> None:
    """Nothing is posted for others to see, not even "looking up…": the job answers privately."""
    context = chat_context(body, payloads.ENTRY_MENTION)
    idents = extract_identifiers(payloads.event(body), services.parser)
    snapshot = dict(body)

    def work() -> None:
        found = idents or thread_parent_identifiers(services, client, snapshot, context)
        answer_identifiers(services, context, found)

    run_in_chat(services, context, "mention lookup", work)


def thread_parent_identifiers(
    services: AppServices, client: WebClient, body: Mapping[str, Any], context: CardContext
) -> list[Identifier]:
    """The identifiers of the thread's first message, else its Slack Connect author's email."""
    if not context.thread_ts or not context.channel_id:
        return []
    try:
        # The parent comes first; limit=1 keeps the rest of the thread out of the answer.
        response = client.conversations_replies(
            channel=context.channel_id, ts=context.thread_ts, limit=1, inclusive=True
        )
    except Exception as exc:
        logger.info("conversations.replies failed: %s", error_code(exc))
        return []
    messages = response.get("messages")
    parent = messages[0] if isinstance(messages, list) and messages else None
    if not isinstance(parent, Mapping):
        return []
    idents = extract_identifiers(parent, services.parser)
    if idents:
        return idents
    author, _note = author_identifier(services, client, body, parent)
    return [author] if author is not None else []
