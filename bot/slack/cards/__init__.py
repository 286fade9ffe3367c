"""Pure Block Kit builders: profiles, errors and notices in, plain message and modal dicts out."""

from bot.slack.cards.account import build_account_message, build_account_view
from bot.slack.cards.chat import build_dm_help_message, build_pick_message, with_note
from bot.slack.cards.errors import build_error_message, build_error_view
from bot.slack.cards.events import build_events_message
from bot.slack.cards.home import build_home_refusal_view, build_home_view
from bot.slack.cards.notices import (
    build_access_unavailable_message,
    build_denied_message,
    build_enter_identifier_view,
    build_help_message,
    build_invalid_input_message,
    build_loading_message,
    build_loading_view,
    build_message_modal,
    build_notice_message,
    build_notice_modal,
    build_notice_view,
    build_pick_identifier_message,
    build_pick_identifier_view,
)
from bot.slack.cards.options import CardOptions
from bot.slack.cards.people import build_people_view
from bot.slack.cards.profile import build_profile_message, build_profile_view
from bot.slack.cards.sharing import build_share_confirm_view, build_shared_message
from bot.slack.cards.traits_view import build_all_traits_view, page_count

__all__ = [
    "CardOptions",
    "build_access_unavailable_message",
    "build_account_message",
    "build_account_view",
    "build_all_traits_view",
    "build_denied_message",
    "build_dm_help_message",
    "build_enter_identifier_view",
    "build_error_message",
    "build_error_view",
    "build_events_message",
    "build_help_message",
    "build_home_refusal_view",
    "build_home_view",
    "build_invalid_input_message",
    "build_loading_message",
    "build_loading_view",
    "build_message_modal",
    "build_notice_message",
    "build_notice_modal",
    "build_notice_view",
    "build_people_view",
    "build_pick_identifier_message",
    "build_pick_identifier_view",
    "build_pick_message",
    "build_profile_message",
    "build_profile_view",
    "build_share_confirm_view",
    "build_shared_message",
    "page_count",
    "with_note",
]
