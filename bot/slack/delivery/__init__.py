"""Reaching the person: ephemeral messages (response_url, then chat.postEphemeral), modals, and
short notices on whichever surface they used. The wording lives with the cards."""

from bot.slack.delivery.direct import (
    VIA_DM,
    ephemeral_or_dm,
    post_message,
    publish_home,
    refuse_in_chat,
)
from bot.slack.delivery.messages import (
    VIA_EPHEMERAL,
    VIA_RESPONSE_URL,
    Delivery,
    deliver_privately,
    post_ephemeral,
    respond,
)
from bot.slack.delivery.modals import (
    ModalError,
    open_for_click,
    open_modal,
    push_modal,
    update_modal,
)
from bot.slack.delivery.notices import notify_later, notify_text_later, send_notice

__all__ = [
    "VIA_DM",
    "VIA_EPHEMERAL",
    "VIA_RESPONSE_URL",
    "Delivery",
    "ModalError",
    "deliver_privately",
    "ephemeral_or_dm",
    "notify_later",
    "notify_text_later",
    "open_for_click",
    "open_modal",
    "post_ephemeral",
    "post_message",
    "publish_home",
    "push_modal",
    "refuse_in_chat",
    "respond",
    "send_notice",
    "update_modal",
]
