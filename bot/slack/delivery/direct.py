"""Messages in the bot's DMs and in conversations, the Home tab, and the refusals there.

Failures are logged by Slack's error code only (never the message, the user or the channel).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_sdk import WebClient

from bot.slack import cards, payloads
from bot.slack.cards.chat import MENTION_FALLBACK_TEXT
from bot.slack.delivery.messages import VIA_EPHEMERAL, Delivery, post_ephemeral
from bot.slack.web_client import error_code

logger = logging.getLogger(__name__)

VIA_DM = "dm"


def post_message(
    client: WebClient, channel: str, message: dict[str, Any], *, thread_ts: str | None = None
) -> tuple[str | None, str | None]:
    """chat.postMessage to `channel` (a D… DM, or a user id for the bot's DM with them):
    (the channel Slack posted in, None) or (None, Slack's error code)."""
    params: dict[str, Any] = {
        "channel": channel,
        "text": str(message.get("text", "")),
        "blocks": message.get("blocks"),
        "unfurl_links": False,
        "unfurl_media": False,
    }
    if thread_ts:
        params["thread_ts"] = thread_ts
    try:
        response = client.chat_postMessage(**params)
    except Exception as exc:
        code = error_code(exc)  # messages_tab_disabled when the person's Messages tab is off
        logger.warning("chat.postMessage failed: %s", code)
        return None, code
    posted = response.get("channel")
    return (posted if isinstance(posted, str) else channel), None


def ephemeral_or_dm(
    client: WebClient,
    *,
    channel_id: str,
    user_id: str,
    message: dict[str, Any],
    thread_ts: str | None,
) -> tuple[Delivery, str | None]:
    """Only `user_id` sees `message` in `channel_id` (in the thread); when Slack refuses that
    (not_in_channel, channel_not_found, …), the message goes to the person's DM with a note
    saying why. Returns how it went and the DM channel when it went there."""
    refused = post_ephemeral(
        client, channel_id=channel_id, user_id=user_id, message=message, thread_ts=thread_ts
    )
    if refused is None:
        return Delivery(VIA_EPHEMERAL), None
    dm_channel, failed = post_message(
        client, user_id, cards.with_note(message, MENTION_FALLBACK_TEXT)
    )
    if failed is None:
        return Delivery(VIA_DM, (refused,)), dm_channel
    return Delivery(None, (refused, failed)), None


def publish_home(
    client: WebClient, user_id: str, view: dict[str, Any], *, view_hash: str | None = None
) -> bool:
    """views.publish of `view` as the person's Home tab; False (logged) when Slack refused."""
    params: dict[str, Any] = {"user_id": user_id, "view": view}
    if view_hash:
        params["hash"] = view_hash
    try:
        client.views_publish(**params)
    except Exception as exc:
        logger.warning("views.publish failed: %s", error_code(exc))
        return False
    return True


def refuse_in_chat(client: WebClient, body: Mapping[str, Any], message: dict[str, Any]) -> None:
    """Deliver a refusal where the person is: their DM (in the thread), privately in the
    conversation they mentioned the bot in, or their Home tab. Call it from a job."""
    kind = payloads.entry_point(body)
    user = payloads.user_id(body) or ""
    channel = payloads.channel_id(body)
    thread_ts = payloads.event(body).get("thread_ts")
    thread = thread_ts if isinstance(thread_ts, str) else None
    if kind == payloads.ENTRY_HOME:
        publish_home(client, user, cards.build_home_refusal_view(message))
    elif kind == payloads.ENTRY_DM and channel:
        post_message(client, channel, message, thread_ts=thread)
    elif kind == payloads.ENTRY_MENTION and channel:
        ephemeral_or_dm(client, channel_id=channel, user_id=user, message=message, thread_ts=thread)
