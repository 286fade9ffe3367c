"""The shared copy of a card (shareable traits only, no buttons) and its confirmation modal."""

from __future__ import annotations

import re
from typing import Any

from bot.segment.models import Profile
from bot.slack import component_ids as ids
from bot.slack.cards import text as t
from bot.slack.cards.blocks import (
    Block,
    context,
    divider,
    fields_section,
    header,
    message,
    modal,
    plain,
)
from bot.slack.cards.blocks import section as section_block
from bot.slack.cards.common import (
    customer_name,
    fetched_line,
    index_by_canonical,
    label_field,
    safe_label,
    visible_items,
)
from bot.slack.cards.options import CardOptions
from bot.trait_policy import canonical_key

SHARED_VALUE_TEXT = 300
_SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")


def shared_fields(profile: Profile, options: CardOptions) -> list[str]:
    """Fields for the shareable traits present, in the configured order, labelled like the card."""
    policy = options.policy
    index = index_by_canonical(visible_items(profile.traits, policy))
    labels = {canonical_key(key): label for key, label in options.pinned_traits}
    fields: list[str] = []
    seen: set[str] = set()
    for key in options.shareable_traits:
        folded = canonical_key(key)
        found = index.get(folded)
        if found is None or folded in seen or not policy.is_shareable(found[0]):
            continue
        seen.add(folded)
        label = safe_label(labels.get(folded, found[0]))
        fields.append(label_field(label, found[1], policy, value_limit=SHARED_VALUE_TEXT))
    return fields[: t.MAX_FIELDS]


def _shared_blocks(profile: Profile, options: CardOptions, shared_by: str) -> list[Block]:
    if profile.identifier.collection == "accounts":
        # An account is shared with its own list (PROFILE_ACCOUNT_SHAREABLE_TRAITS), never its
        # people: they are other customers' profiles.
        options = options.for_accounts()
    policy = options.policy
    # Only a shareable trait may name the customer; never the identifier (an email or phone).
    name = customer_name(profile.traits, policy, allowed=policy.is_shareable)
    fallback = "Account" if profile.identifier.collection == "accounts" else "Customer profile"
    blocks: list[Block] = [header(name or fallback, emoji=False)]
    fields = shared_fields(profile, options)
    if fields:
        blocks.append(fields_section(fields))
    else:
        blocks.append(section_block("No shareable traits for this customer."))
    blocks.append(context(fetched_line(profile, f"Shared by {shared_by}")))
    return blocks


def _mention(user_id: str) -> str:
    # Only a well-formed Slack user id becomes a mention; anything else is shown as text.
    if _SLACK_USER_ID.match(user_id):
        return f"<@{user_id}>"
    return t.escape_truncated(user_id, 40) or "a teammate"


def build_shared_message(
    profile: Profile, options: CardOptions, *, shared_by_user_id: str
) -> dict[str, Any]:
    """The copy posted to the channel: shareable traits only, no buttons, "Shared by <@U…>"."""
    blocks = _shared_blocks(profile, options, _mention(shared_by_user_id))
    return message("A customer profile was shared", blocks)


def _target_input(allow_external: bool) -> Block:
    """Where to share: a conversations select (DM cards and the global shortcut have no
    conversation of their own). The bot re-checks the choice before posting."""
    return {
        "type": "input",
        "block_id": ids.SHARE_TARGET_BLOCK,
        "label": plain("Share to"),
        "element": {
            "type": "conversations_select",
            "action_id": ids.SHARE_TARGET_INPUT,
            "placeholder": plain("Choose a channel or conversation"),
            "filter": {
                "include": ["public", "private", "mpim"],
                "exclude_bot_users": True,
                "exclude_external_shared_channels": not allow_external,
            },
        },
        "hint": plain("The bot must be in the conversation (invite @profile-bot first)."),
    }


def build_share_confirm_view(
    profile: Profile,
    options: CardOptions,
    *,
    ref: str,
    channel_is_external: bool,
    choose_conversation: bool = False,
    allow_external: bool = False,
) -> dict[str, Any]:
    """Confirm before posting, showing exactly what the channel will see; with
    `choose_conversation`, the person also picks the conversation."""
    where = "the conversation you choose" if choose_conversation else "the channel"
    intro: list[Block] = [
        section_block(
            f":loudspeaker: This posts the card below to {where}. Everyone there will see it; "
            "it has only the traits your admin marked as shareable."
        )
    ]
    if channel_is_external:
        intro.append(
            section_block(
                ":warning: *This channel is shared with people outside your organisation.* "
                "They will see the card too."
            )
        )
    if choose_conversation:
        intro.append(_target_input(allow_external))
    preview = _shared_blocks(profile, options, "you")
    return modal(
        "Share a customer" if choose_conversation else "Share to channel",
        [*intro, context("*Preview*"), divider(), *preview],
        callback_id=ids.SHARE_CONFIRM_VIEW,
        submit="Share",
        close="Cancel",
        private_metadata=ref,
    )
