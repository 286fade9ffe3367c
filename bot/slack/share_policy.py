"""May a card be shared into its conversation? Sharing must be on, and a conversation shared
with another organisation (Slack Connect) is refused unless the deployment allows it."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk import WebClient

from bot.slack import payloads
from bot.slack.context import CardContext
from bot.slack.web_client import error_code

logger = logging.getLogger(__name__)

DISABLED_TEXT = "Sharing is turned off for this bot, so this card stays visible only to you."
NO_CHANNEL_TEXT = "There is no conversation to share this card into."
NOT_IN_CHANNEL_TEXT = (
    "I'm not in that conversation, so I can't post there. Invite @profile-bot to the channel, "
    "or share by copy."
)
EXTERNAL_TEXT = (
    "This conversation is shared with another organisation (Slack Connect), so customer cards "
    "can't be shared into it."
)
UNVERIFIED_TEXT = (
    "I can't check whether this conversation is shared with another organisation ({code}), "
    "so I won't share into it."
)
NOT_IN_CHANNEL_CODES = frozenset({"not_in_channel", "channel_not_found", "is_archived"})


@dataclass(frozen=True)
class ShareCheck:
    """Whether sharing may go ahead; when not, a reason to show and a code to audit."""

    allowed: bool
    channel_is_external: bool = False
    text: str = ""
    code: str = ""


@dataclass(frozen=True)
class SharePolicy:
    """Whether cards may be shared at all, and into conversations with other organisations."""

    enabled: bool = True
    to_external_channels: bool = False


def share_needs_target(context: CardContext) -> bool:
    """True when the card has no conversation of its own to share into, so the person picks
    one in the confirmation: a card in the bot's DM (or sent there after a mention), from the
    Home tab or from the global shortcut."""
    if not context.channel_id:
        return True
    if context.entry_point in (payloads.ENTRY_DM, payloads.ENTRY_HOME):
        return True
    if context.entry_point == payloads.ENTRY_GLOBAL_SHORTCUT:
        return True
    return context.entry_point == payloads.ENTRY_MENTION and context.channel_id.startswith("D")


def check_share(policy: SharePolicy, client: WebClient, channel_id: str | None) -> ShareCheck:
    """Apply the sharing policy to `channel_id` (one conversations.info call)."""
    if not policy.enabled:
        return ShareCheck(False, text=DISABLED_TEXT, code="disabled")
    if not channel_id:
        return ShareCheck(False, text=NO_CHANNEL_TEXT, code="no_channel")
    try:
        response = client.conversations_info(channel=channel_id)
    except Exception as exc:
        code = error_code(exc)
        logger.info("conversations.info failed: %s", code)
        if code in NOT_IN_CHANNEL_CODES:
            return ShareCheck(False, text=NOT_IN_CHANNEL_TEXT, code=code)
        return ShareCheck(False, text=UNVERIFIED_TEXT.format(code=code), code=code)
    channel = response.get("channel")
    channel = channel if isinstance(channel, dict) else {}
    external = bool(channel.get("is_ext_shared") or channel.get("is_pending_ext_shared"))
    if external and not policy.to_external_channels:
        return ShareCheck(False, True, text=EXTERNAL_TEXT, code="external_channel")
    return ShareCheck(True, external)
