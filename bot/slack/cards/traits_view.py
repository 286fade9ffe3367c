"""The "All traits" modal: every visible trait, computed trait and audience, a page at a time."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from bot.segment.models import SECTION_TRAITS, Profile, TraitSource
from bot.slack import component_ids as ids
from bot.slack.cards import text as t
from bot.slack.cards.blocks import Block, actions, button, context, fields_section, modal
from bot.slack.cards.blocks import section as section_block
from bot.slack.cards.common import label_field, visible_items
from bot.slack.cards.errors import section_error_line
from bot.slack.cards.options import CardOptions

PAGE_SIZE = 20  # two sections of ten fields
KEY_TEXT = 100
# ASCII-escaped JSON can take 6 bytes per character: 20 x ~1,000 characters stays far below
# the 250 kB view limit whatever the data.
VALUE_TEXT = 900
SOURCE_TEXT = 60  # a source id or name; the update time is a date token
_GROUPS = ("Traits", "Computed traits", "Audiences")


def provenance_line(source: TraitSource | None, source_names: Mapping[str, str]) -> str:
    """ "updated <date> · from <source>" for one trait, from `verbose=true`; "" when unknown.
    Both parts are Segment's data (untrusted): escaped, and a non-ISO time shown as text."""
    if source is None:
        return ""
    parts = []
    if source.updated_at:
        epoch = t.iso_to_epoch(source.updated_at.strip())
        if epoch is None:  # not ISO 8601: shown as Segment sent it
            parts.append(f"updated {t.escape_truncated(source.updated_at, SOURCE_TEXT)}")
        else:
            parts.append(f"updated {t.date_token(epoch)}")
    if source.source_id:
        name = source_names.get(source.source_id, source.source_id)
        parts.append(f"from {t.escape_truncated(name, SOURCE_TEXT)}")
    return " · ".join(parts)


def _entries(profile: Profile, options: CardOptions) -> list[tuple[str, str, Any]]:
    policy = options.policy
    traits = sorted(visible_items(profile.traits, policy), key=lambda kv: kv[0].casefold())
    computed = visible_items(profile.computed_traits, policy)
    audiences = visible_items(profile.audiences, policy)
    return [
        (group, key, value)
        for group, items in zip(_GROUPS, (traits, computed, audiences), strict=True)
        for key, value in items
    ]


def page_count(profile: Profile, options: CardOptions) -> int:
    """How many pages the modal has (at least one)."""
    return max(1, math.ceil(len(_entries(profile, options)) / PAGE_SIZE))


def _page_blocks(
    options: CardOptions,
    entries: list[tuple[str, str, Any]],
    sources: Mapping[str, TraitSource],
) -> list[Block]:
    policy = options.policy
    blocks: list[Block] = []
    fields: list[str] = []
    group = ""

    def flush() -> None:
        if fields:
            blocks.append(fields_section(list(fields)))
            fields.clear()

    for entry_group, key, value in entries:
        if entry_group != group:
            flush()
            group = entry_group
            blocks.append(context(f"*{group}*"))
        if len(fields) == t.MAX_FIELDS:
            flush()
        label = t.format_key(key, KEY_TEXT)
        field = label_field(label, value, policy, value_limit=VALUE_TEXT)
        origin = provenance_line(sources.get(key), options.source_names)
        fields.append(f"{field}\n{origin}" if origin else field)
    flush()
    return blocks


def build_all_traits_view(
    profile: Profile, options: CardOptions, *, ref: str, page: int, private_metadata: str = ""
) -> dict[str, Any]:
    """One page (1-based, clamped) of every trait; Prev/Next carry value f"{ref}:{page}"."""
    entries = _entries(profile, options)
    pages = max(1, math.ceil(len(entries) / PAGE_SIZE))
    page = min(max(page, 1), pages)
    start = (page - 1) * PAGE_SIZE
    shown = entries[start : start + PAGE_SIZE]
    blocks: list[Block] = []
    if entries:
        blocks.append(
            context(
                f"Page {page:,} of {pages:,} · {start + 1:,}–{start + len(shown):,} "
                f"of {len(entries):,}"
            )
        )
    if SECTION_TRAITS in profile.errors:
        blocks.append(context(section_error_line(SECTION_TRAITS, profile.errors[SECTION_TRAITS])))
    if not profile.traits_complete:
        blocks.append(
            context(
                f"Segment returned only the first {len(profile.traits):,} traits; open the "
                "profile in Segment for the rest."
            )
        )
    if any(key in profile.trait_sources for _, key, _ in shown):
        blocks.append(context("Under each value: when Segment last updated it, and its source."))
    if not entries:
        blocks.append(section_block("No traits recorded for this customer."))
    blocks += _page_blocks(options, shown, profile.trait_sources)
    # Separate blocks: Slack wants action_ids unique within a block, and both use the same one.
    if page > 1:
        previous = button("‹ Previous", ids.ALL_TRAITS_PAGE, value=f"{ref}:{page - 1}")
        blocks.append(actions([previous], block_id=f"traits_prev_{page}"))
    if page < pages:
        following = button("Next ›", ids.ALL_TRAITS_PAGE, value=f"{ref}:{page + 1}")
        blocks.append(actions([following], block_id=f"traits_next_{page}"))
    return modal(
        "All traits",
        blocks,
        callback_id=ids.ALL_TRAITS_VIEW,
        private_metadata=private_metadata,
    )
