"""Callback, action and block ids shared by the card builders and the listeners."""

from __future__ import annotations

COMMAND = "/profile"
LOOKUP_SHORTCUT = "lookup_profile"  # the message shortcut "Look up customer"

# Modals (view callback_id)
PROFILE_VIEW = "profile_view"  # the card shown in a modal (shortcut flow); read-only
ENTER_IDENTIFIER_VIEW = "enter_identifier"  # input box: nothing found, or the person wants another
ALL_TRAITS_VIEW = "all_traits"
SHARE_CONFIRM_VIEW = "share_confirm"
PEOPLE_VIEW = "account_people_view"  # every person linked to an account, each with an Open button

# Inputs
IDENTIFIER_INPUT_BLOCK = "identifier_block"
IDENTIFIER_INPUT_ACTION = "identifier_input"

# Buttons (action_id). Button values carry an opaque reference, never PII.
ALL_TRAITS = "profile_all_traits"
ALL_TRAITS_PAGE = "profile_all_traits_page"
MORE_EVENTS = "profile_more_events"
OPEN_IN_SEGMENT = "profile_open_in_segment"  # a link button: Slack still sends an action, acked
SHARE = "profile_share"
PICK_IDENTIFIER = "profile_pick_identifier"
TYPE_IDENTIFIER = "profile_type_identifier"

# The chatbot surfaces: the global shortcut, the Home tab, message pickers (DMs and mentions).
SEARCH_SHORTCUT = "search_profile"  # the global shortcut "Look up customer"
HOME_SEARCH_BLOCK = "home_search_block"
HOME_SEARCH_INPUT = "home_search_input"
HOME_SEARCH = "home_search"  # the button next to the Home tab's search input
HOME_RECENT = "home_recent"  # a recent lookup; its value is the entry's opaque id
HOME_CLEAR_HISTORY = "home_clear_history"
SHARE_TARGET_BLOCK = "share_target_block"  # where to share, chosen in the confirmation
SHARE_TARGET_INPUT = "share_target_input"

# Accounts
PEOPLE = "account_people"  # value: ref
# Navigation between cards; value f"{ref}:{index}" into the card context's `related` list.
OPEN_PERSON = "account_open_person"
OPEN_ACCOUNT = "profile_open_account"
# The Workflow Builder step "Look up customer in Segment" (manifest.yml `functions`)
LOOKUP_STEP = "lookup_customer"
