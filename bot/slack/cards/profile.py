"""The profile card: an ephemeral message or a modal built from one `Profile`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.segment.models import (
    SECTION_ACCOUNTS,
    SECTION_AUDIENCES,
    SECTION_COMPUTED,
    SECTION_EVENTS,
    SECTION_EXTERNAL_IDS,
    SECTION_TRAITS,
    Profile,
)
from bot.slack import component_ids as ids
from bot.slack.cards import sections
from bot.slack.cards.account import build_account_message, build_account_view
from bot.slack.cards.blocks import (
    Block,
    actions,
    button,
    context,
    data_context,
    divider,
    header,
    message,
    modal,
)
from bot.slack.cards.common import (
    card_title,
    fetched_line,
    looked_up_text,
    segment_url,
)
from bot.slack.cards.errors import section_error_line
from bot.slack.cards.options import CardOptions
from bot.wording import plural

MAX_OTHER_ERRORS = 2  # failed sections the card has no place for (e.g. metadata)
_Section = tuple[str, Callable[[Profile, CardOptions], list[Block]]]
# Each section in card order; a failed one is replaced by a context line saying why.
_SECTIONS: tuple[_Section, ...] = (
    (SECTION_TRAITS, sections.trait_blocks),
    (SECTION_AUDIENCES, lambda p, o: sections.audience_blocks(p, o.policy)),
    (SECTION_COMPUTED, lambda p, o: sections.computed_blocks(p, o.policy)),
    (SECTION_ACCOUNTS, sections.account_blocks),
    (SECTION_EVENTS, sections.event_blocks),
)


def looked_up_line(profile: Profile) -> str:
    """What was looked up (and that the profile is partial when a section failed)."""
    partial = " · ⚠️ partial profile" if profile.is_partial else ""
    return f"🔍 {looked_up_text(profile)}{partial}"


def card_buttons(profile: Profile, options: CardOptions, ref: str) -> Block:
    """All traits, More events (when there is a next page), Open in Segment, Share."""
    elements = [button("All traits", ids.ALL_TRAITS, value=ref)]
    if profile.events_cursor:
        elements.append(button("More events", ids.MORE_EVENTS, value=ref))
    url = segment_url(options.workspace_slug, options.space_id)
    if url is not None:
        elements.append(button("Open in Segment", ids.OPEN_IN_SEGMENT, value=ref, url=url))
    if options.sharing_enabled:
        elements.append(button("Share", ids.SHARE, value=ref))
    return actions(elements)


def _error_blocks(profile: Profile, names: list[str]) -> list[Block]:
    return [context(section_error_line(name, profile.errors[name])) for name in names]


def card_blocks(
    profile: Profile, options: CardOptions, *, ref: str, cached_age: float | None = None
) -> list[Block]:
    """The card's blocks: identity, key traits, audiences, accounts, events, buttons, footer."""
    policy = options.policy
    errors = list(profile.errors)
    blocks: list[Block] = [
        header(card_title(profile, options.policy), emoji=False),
        data_context(looked_up_line(profile)),
    ]
    if SECTION_EXTERNAL_IDS in errors:
        blocks += _error_blocks(profile, [SECTION_EXTERNAL_IDS])
    else:
        blocks += sections.identifier_blocks(profile, policy)
    blocks.append(divider())
    for name, build in _SECTIONS:
        if name in errors:
            blocks += _error_blocks(profile, [name])
        elif name == SECTION_ACCOUNTS:  # each account with a button opening its card
            blocks += sections.account_blocks(profile, options, ref)
        else:
            blocks += build(profile, options)
    known = {SECTION_EXTERNAL_IDS, *(name for name, _ in _SECTIONS)}
    others = [name for name in errors if name not in known]
    blocks += _error_blocks(profile, others[:MAX_OTHER_ERRORS])
    if len(others) > MAX_OTHER_ERRORS:
        failed = plural(len(others) - MAX_OTHER_ERRORS, "more part")
        blocks.append(context(f":warning: {failed} failed"))
    blocks.append(card_buttons(profile, options, ref))
    blocks.append(context(fetched_line(profile, ":lock: Only visible to you", cached_age)))
    return blocks


def build_profile_message(
    profile: Profile, options: CardOptions, *, ref: str, cached_age: float | None = None
) -> dict[str, Any]:
    """The ephemeral profile card with its buttons (values carry only `ref`); `cached_age` is
    how old the data is in seconds when it came from the cache. An account's (group_id lookup)
    is the account card."""
    if profile.identifier.collection == "accounts":
        return build_account_message(profile, options, ref=ref, cached_age=cached_age)
    fallback = "Customer profile (partial)" if profile.is_partial else "Customer profile"
    return message(fallback, card_blocks(profile, options, ref=ref, cached_age=cached_age))


def build_profile_view(
    profile: Profile,
    options: CardOptions,
    *,
    ref: str,
    private_metadata: str,
    cached_age: float | None = None,
) -> dict[str, Any]:
    """The same card in a read-only modal."""
    if profile.identifier.collection == "accounts":
        return build_account_view(
            profile, options, ref=ref, private_metadata=private_metadata, cached_age=cached_age
        )
    return modal(
        "Customer profile",
        card_blocks(profile, options, ref=ref, cached_age=cached_age),
        callback_id=ids.PROFILE_VIEW,
        private_metadata=private_metadata,
    )
