"""Reaching the person: ephemeral messages (response_url, then chat.postEphemeral), modals, and
short notices on whichever surface they used. The wording lives with the cards."""

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
    "VIA_EPHEMERAL",
    "VIA_RESPONSE_URL",
    "Delivery",
    "ModalError",
    "deliver_privately",
    "notify_later",
    "notify_text_later",
    "open_for_click",
    "open_modal",
    "post_ephemeral",
    "push_modal",
    "respond",
    "send_notice",
    "update_modal",
]
