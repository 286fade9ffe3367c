"""Ephemeral messages: through a response_url, with chat.postEphemeral as the fallback for a card.
A response_url is used only where response_urls.py allows it, and never through a redirect.
Failures are logged by error code only (never the URL, the body or Slack's full answer)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import httpx
from slack_sdk import WebClient

from bot.slack.delivery.response_urls import REFUSED, allowed_response_url, post_response
from bot.slack.web_client import JOB_TIMEOUT_SECONDS, error_code

logger = logging.getLogger(__name__)

# Slack answers a refused response_url post with a short plain-text code (expired_url, used_up).
_PLAIN_CODE = re.compile(r"[a-z_]{1,40}")
VIA_RESPONSE_URL = "response_url"
VIA_EPHEMERAL = "chat.postEphemeral"


def respond(
    client: WebClient, url: str | None, message: dict[str, Any], *, replace_original: bool
) -> bool:
    """Post an ephemeral message to a response_url (never in_channel); True when Slack took it.
    `client` names the Slack API origin, the one host besides Slack's own that may receive it."""
    return _post_response_url(client, url, message, replace_original=replace_original) is None


def _post_response_url(
    client: WebClient, url: str | None, message: dict[str, Any], *, replace_original: bool
) -> str | None:
    """None when Slack took the message; else a short code for why not (no URL, no body)."""
    if not url:
        logger.warning("no response_url to answer through")
        return "no_response_url"
    if not allowed_response_url(url, getattr(client, "base_url", None)):
        # Logged without the URL: it may be a capability, or bait for the log reader.
        logger.warning(
            "response_url refused: not a Slack response_url host nor SLACK_API_URL's origin"
        )
        return REFUSED
    body = {**message, "response_type": "ephemeral", "replace_original": replace_original}
    try:
        result = post_response(url, body, timeout=JOB_TIMEOUT_SECONDS)
    except httpx.TimeoutException:
        logger.warning("response_url post failed: timeout")
        return "timeout"
    except httpx.HTTPError:
        logger.warning("response_url post failed: connection_error")
        return "connection_error"
    except Exception as exc:
        code = error_code(exc)
        logger.warning("response_url post failed: %s", code)
        return code
    if not 200 <= result.status_code < 300:
        # Expired (30 min) or used up (5 posts); the body is Slack's short error code. A 3xx is
        # refused like any other answer: the redirect is not followed.
        text = "" if 300 <= result.status_code < 400 else result.text.strip()[:40]
        code = text if _PLAIN_CODE.fullmatch(text) else f"http_{result.status_code}"
        logger.warning("response_url post refused: HTTP %s %s", result.status_code, code)
        return code
    return None


@dataclass(frozen=True)
class Delivery:
    """How a message reached the person (`via`, None when it did not) and Slack's error codes
    on the way (e.g. expired_url, then not_in_channel)."""

    via: str | None
    errors: tuple[str, ...] = ()


def post_ephemeral(
    client: WebClient,
    *,
    channel_id: str,
    user_id: str,
    message: dict[str, Any],
    thread_ts: str | None = None,
) -> str | None:
    """chat.postEphemeral of `message` to `user_id` in `channel_id`: seen by that person only and
    never kept in the channel's history. None when Slack took it, else Slack's error code."""
    params: dict[str, Any] = {
        "channel": channel_id,
        "user": user_id,
        "text": str(message.get("text", "")),
    }
    if message.get("blocks"):
        params["blocks"] = message["blocks"]
    if thread_ts:
        params["thread_ts"] = thread_ts
    try:
        client.chat_postEphemeral(**params)
    except Exception as exc:
        code = error_code(exc)
        logger.warning("chat.postEphemeral failed: %s", code)
        return code
    return None


def deliver_privately(
    client: WebClient,
    url: str | None,
    message: dict[str, Any],
    *,
    replace_original: bool,
    channel_id: str | None,
    user_id: str | None,
    thread_ts: str | None = None,
) -> Delivery:
    """The response_url first; when it is refused (not Slack's, redirected, expired, used up,
    unreachable), the same message by chat.postEphemeral to the person in `channel_id`. Never a
    public post."""
    refused = _post_response_url(client, url, message, replace_original=replace_original)
    if refused is None:
        return Delivery(VIA_RESPONSE_URL)
    if not channel_id or not user_id:
        return Delivery(None, (refused, "no_channel" if not channel_id else "no_user"))
    failed = post_ephemeral(
        client, channel_id=channel_id, user_id=user_id, message=message, thread_ts=thread_ts
    )
    if failed is None:
        return Delivery(VIA_EPHEMERAL, (refused,))
    return Delivery(None, (refused, failed))
