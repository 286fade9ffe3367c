"""The account card (a `group_id` lookup): key account traits, audiences, computed traits and
the people linked to it. Only sections the accounts collection can fill: no events, no ids."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.segment.models import (
    SECTION_AUDIENCES,
    SECTION_COMPUTED,
    SECTION_PEOPLE,
    SECTION_TRAITS,
    Profile,
)
from bot.slack import component_ids as ids
from bot.slack.cards import sections
from bot.slack.cards import text as t
from bot.slack.cards.blocks import (
    Block,
    actions,
    button,
    context,
    data_context,
    divider,
    fields_section,
    header,
    message,
    modal,
    section,
)
from bot.slack.cards.common import (
    card_title,
    fetched_line,
    looked_up_text,
    segment_url,
    visible_items,
)
from bot.slack.cards.errors import section_error_line
from bot.slack.cards.options import CardOptions
from bot.slack.cards.people import cap_note, person_blocks
from bot.trait_policy import canonical_key

# Text budget (characters) for the people on the card: with key traits, audiences and computed
# traits the card stays well under Slack's ~12k message total even with 20 people shown.
PEOPLE_TEXT = 3000


def looked_up_line(profile: Profile) -> str:
    """What was looked up, marked as an account (and as partial when a section failed)."""
    partial = " · ⚠️ partial" if profile.is_partial else ""
    return f"🏢 Account · {looked_up_text(profile)}{partial}"


def _pinned_keys(profile: Profile, options: CardOptions) -> set[str]:
    """The canonical keys shown as pinned fields (as sections.pinned_fields picks them)."""
    merged = {**profile.computed_traits, **profile.traits}
    present = {canonical_key(k) for k, _ in visible_items(merged, options.policy)}
    wanted = dict.fromkeys(canonical_key(key) for key, _ in options.account_pinned_traits)
    return set([key for key in wanted if key in present][: t.MAX_FIELDS])


def _trait_blocks(profile: Profile, options: CardOptions) -> list[Block]:
    """Pinned account traits (a computed trait such as a health score may be pinned too)."""
    if SECTION_TRAITS in profile.errors:
        return [context(section_error_line(SECTION_TRAITS, profile.errors[SECTION_TRAITS]))]
    policy = options.policy
    merged = {**profile.computed_traits, **profile.traits}
    total = len(visible_items(merged, policy))
    if total == 0:
        return [context("No traits recorded for this account yet.")]
    fields = sections.pinned_fields(merged, options.for_accounts())
    blocks: list[Block] = [fields_section(fields)]
    more = total - len(fields)
    plus = "" if profile.traits_complete else "+"
    if more > 0 or plus:
        blocks.append(
            context(f"Showing {len(fields):,} of {total:,}{plus} traits — see *All traits*")
        )
    return blocks


def _class_blocks(profile: Profile, options: CardOptions) -> list[Block]:
    """Audiences and computed traits (those not already pinned), or why they are missing."""
    blocks: list[Block] = []
    if SECTION_AUDIENCES in profile.errors:
        blocks.append(
            context(section_error_line(SECTION_AUDIENCES, profile.errors[SECTION_AUDIENCES]))
        )
    else:
        blocks += sections.audience_blocks(profile, options.policy)
    if SECTION_COMPUTED in profile.errors:
        blocks.append(
            context(section_error_line(SECTION_COMPUTED, profile.errors[SECTION_COMPUTED]))
        )
    else:
        pinned = _pinned_keys(profile, options)
        rest = {k: v for k, v in profile.computed_traits.items() if canonical_key(k) not in pinned}
        blocks += sections.computed_blocks(replace(profile, computed_traits=rest), options.policy)
    return blocks


def _people_blocks(profile: Profile, options: CardOptions, ref: str) -> list[Block]:
    """Up to the admin's cap of linked people, each with a button to their card."""
    if SECTION_PEOPLE in profile.errors:
        return [context(section_error_line(SECTION_PEOPLE, profile.errors[SECTION_PEOPLE]))]
    people = profile.people
    if not people:
        return [context("No people linked to this account.")]
    shown = people[: options.account_people_on_card]
    count = f"{len(people):,}{'+' if cap_note(len(people)) else ''}"
    blocks: list[Block] = [section(f"*People* ({count} linked)")]
    blocks += person_blocks(shown, options, ref=ref, text_budget=PEOPLE_TEXT)
    if len(people) > len(shown):
        blocks.append(context(f"+{len(people) - len(shown):,} more — see *People*"))
    note = cap_note(len(people))
    if note:
        blocks.append(context(note))
    return blocks


def account_buttons(profile: Profile, options: CardOptions, ref: str) -> Block:
    """All traits, People, Open in Segment, Share."""
    elements = [button("All traits", ids.ALL_TRAITS, value=ref)]
    if profile.people:
        elements.append(button("People", ids.PEOPLE, value=ref))
    url = segment_url(options.workspace_slug, options.space_id)
    if url is not None:
        elements.append(button("Open in Segment", ids.OPEN_IN_SEGMENT, value=ref, url=url))
    if options.sharing_enabled:
        elements.append(button("Share", ids.SHARE, value=ref))
    return actions(elements, block_id="account_buttons")


def account_blocks(
    profile: Profile, options: CardOptions, *, ref: str, cached_age: float | None = None
) -> list[Block]:
    """The account card's blocks: name, key traits, classes, people, buttons, footer."""
    blocks: list[Block] = [
        header(card_title(profile, options.policy), emoji=False),
        data_context(looked_up_line(profile)),
        divider(),
        *_trait_blocks(profile, options),
        *_class_blocks(profile, options),
        divider(),
        *_people_blocks(profile, options, ref),
        account_buttons(profile, options, ref),
        context(fetched_line(profile, ":lock: Only visible to you", cached_age)),
    ]
    return blocks


def build_account_message(
    profile: Profile, options: CardOptions, *, ref: str, cached_age: float | None = None
) -> dict[str, Any]:
    """The ephemeral account card (button values carry only `ref`; `cached_age` as for
    the profile card)."""
    fallback = "Account profile (partial)" if profile.is_partial else "Account profile"
    return message(fallback, account_blocks(profile, options, ref=ref, cached_age=cached_age))


def build_account_view(
    profile: Profile,
    options: CardOptions,
    *,
    ref: str,
    private_metadata: str,
    cached_age: float | None = None,
) -> dict[str, Any]:
    """The same card in a read-only modal."""
    return modal(
        "Account",
        account_blocks(profile, options, ref=ref, cached_age=cached_age),
        callback_id=ids.PROFILE_VIEW,
        private_metadata=private_metadata,
    )
