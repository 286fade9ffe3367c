"""The profile card's sections, each bounded in text so the whole card stays within limits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.segment.errors import ErrorKind
from bot.segment.models import (
    SECTION_EVENTS,
    SECTION_TRAITS,
    ExternalId,
    LinkedAccount,
    Profile,
)
from bot.slack import component_ids as ids
from bot.slack.cards import text as t
from bot.slack.cards.blocks import Block, button, context, fields_section, section
from bot.slack.cards.common import (
    index_by_canonical,
    join_lines,
    label_field,
    safe_label,
    visible_items,
)
from bot.slack.cards.errors import request_ref
from bot.slack.cards.events import event_line
from bot.slack.cards.options import CardOptions
from bot.trait_policy import TraitPolicy, canonical_key
from bot.wording import plural

# Text budgets (characters) per card section; together well under Slack's ~12k message total.
IDENTIFIERS_TEXT = 700
FIELD_VALUE_TEXT = 200
LIST_TEXT = 600  # audiences, computed traits
ACCOUNTS_TEXT = 900
EVENTS_TEXT = 2000
CARD_EVENTS = 10
FALLBACK_TRAITS = 6  # traits shown when none of the pinned ones exist
_ID_TYPE_ORDER = ("user_id", "email", "phone", "anonymous_id", "group_id")


def identifier_blocks(profile: Profile, policy: TraitPolicy) -> list[Block]:
    """External ids grouped by type, most useful types first."""
    groups: dict[str, list[ExternalId]] = {}
    for ext in profile.external_ids:
        if not policy.is_hidden(ext.type):
            groups.setdefault(ext.type, []).append(ext)
    if not groups:
        return []

    def rank(kind: str) -> tuple[int, str]:
        order = _ID_TYPE_ORDER.index(kind) if kind in _ID_TYPE_ORDER else len(_ID_TYPE_ORDER)
        return order, kind.casefold()

    lines = []
    for kind in sorted(groups, key=rank):
        values = [t.escape_truncated(" ".join(e.id.split()), 80) for e in groups[kind]]
        shown = ", ".join(values[:3]) + (f" +{len(values) - 3:,} more" if len(values) > 3 else "")
        lines.append(t.truncate_mrkdwn(f"*{t.format_key(kind)}*: {shown}", 240))
    return [section("*Identifiers*\n" + join_lines(lines, IDENTIFIERS_TEXT - 20, "id type"))]


def pinned_fields(
    traits: Mapping[str, Any], options: CardOptions, *, value_limit: int = FIELD_VALUE_TEXT
) -> list[str]:
    """Key traits as "*Label*\\nvalue" fields, in the admin's order (or the first few traits)."""
    policy = options.policy
    visible = visible_items(traits, policy)
    index = index_by_canonical(visible)
    fields: list[str] = []
    used: set[str] = set()
    for key, label in options.pinned_traits:
        folded = canonical_key(key)
        if folded in index and folded not in used:
            used.add(folded)
            field = label_field(
                safe_label(label), index[folded][1], policy, value_limit=value_limit
            )
            fields.append(field)
    if not fields:
        for key, value in visible[:FALLBACK_TRAITS]:
            fields.append(label_field(safe_label(key), value, policy, value_limit=value_limit))
    return fields[: t.MAX_FIELDS]


def trait_blocks(profile: Profile, options: CardOptions) -> list[Block]:
    """Key traits as fields, then how many more there are and where to see them."""
    total = len(visible_items(profile.traits, options.policy))
    if total == 0:
        return [] if profile.errors.get(SECTION_TRAITS) else [context("No traits recorded yet.")]
    fields = pinned_fields(profile.traits, options)
    blocks: list[Block] = [fields_section(fields)]
    more = total - len(fields)
    plus = "" if profile.traits_complete else "+"
    if more > 0 or plus:
        # "1 more trait", but "1+ more traits": the + means there may be several.
        rest = f"{max(more, 0):,}{plus} more {'trait' if more == 1 and not plus else 'traits'}"
        blocks.append(
            context(
                f"Showing {len(fields):,} of {total:,}{plus} traits · {rest} — see *All traits*"
            )
        )
    return blocks


def _list_section(title: str, lines: list[str], noun: str) -> list[Block]:
    if not lines:
        return []
    body = join_lines(lines, LIST_TEXT, noun, sep="\n", suffix=" — see All traits")
    return [section(f"*{title}*\n{body}")]


def audience_blocks(profile: Profile, policy: TraitPolicy) -> list[Block]:
    """Audience membership: ✓ member, ✗ not a member; members first."""
    items = visible_items(profile.audiences, policy)
    items.sort(key=lambda item: item[1] is not True)
    lines = []
    for key, value in items:
        name = t.format_key(key, 80)
        if isinstance(value, bool):
            lines.append(f"{'✓' if value else '✗'} {name}")
        else:
            shown = t.format_value(value, limit=80, is_hidden=policy.is_hidden)
            lines.append(f"{name}: {shown}")
    return _list_section("Audiences", lines, "audience")


def computed_blocks(profile: Profile, policy: TraitPolicy) -> list[Block]:
    """Computed traits as "name: value" lines."""
    lines = [
        f"{t.format_key(key, 60)}: {t.format_value(v, limit=120, is_hidden=policy.is_hidden)}"
        for key, v in visible_items(profile.computed_traits, policy)
    ]
    return _list_section("Computed traits", lines, "computed trait")


def _account_line(account: LinkedAccount, options: CardOptions) -> str:
    policy = options.policy
    group = t.escape_truncated(" ".join(account.group_id.split()), 60)
    if account.error is not None and account.error.kind is ErrorKind.NOT_FOUND:
        return f":office: *{group}* — no account profile in Segment"
    if account.error is not None:
        ref = request_ref(account.error.request_id)
        return f":office: *{group}* — :warning: account traits unavailable{ref}"
    visible = visible_items(account.traits, policy)
    index = index_by_canonical(visible)
    name = index.get("name")
    title = f"*{t.format_value(name[1], limit=60)}* ({group})" if name else f"*{group}*"
    parts = []
    for key, label in options.account_pinned_traits:  # the admin's key account traits
        found = index.get(canonical_key(key))
        if found is not None and canonical_key(key) != "name":
            shown = t.format_value(found[1], limit=50, is_hidden=policy.is_hidden)
            parts.append(f"{safe_label(label)}: {shown}")
    if not parts:
        parts = [
            f"{t.format_key(k, 30)}: {t.format_value(v, limit=50, is_hidden=policy.is_hidden)}"
            for k, v in visible[:4]
            if canonical_key(k) != "name"
        ]
    details = " · ".join(parts[:4]) if parts else "no traits"
    return t.truncate_mrkdwn(f":office: {title} — {details}", 280)


def account_blocks(profile: Profile, options: CardOptions, ref: str | None = None) -> list[Block]:
    """Linked accounts, each with a few key traits or the reason they are missing; with `ref`,
    each has an Open button (value f"{ref}:{index}", the card context's related list)."""
    lines = [_account_line(account, options) for account in profile.accounts]
    if not lines:
        return []
    if ref is None:
        return [section("*Linked accounts*\n" + join_lines(lines, ACCOUNTS_TEXT, "account"))]
    blocks: list[Block] = [section("*Linked accounts*")]
    used = 0
    for index, line in enumerate(lines):
        used += t.text_length(line)
        if used > ACCOUNTS_TEXT - 40:  # the same text budget as the single-section form
            blocks.append(context(f"+{plural(len(lines) - index, 'more account')}"))
            break
        block = section(line)
        block["block_id"] = f"account_{index}"
        error = profile.accounts[index].error
        if error is None or error.kind is not ErrorKind.NOT_FOUND:  # nothing to open otherwise
            block["accessory"] = button("Open", ids.OPEN_ACCOUNT, value=f"{ref}:{index}")
        blocks.append(block)
    return blocks


def event_blocks(profile: Profile, options: CardOptions) -> list[Block]:
    """The most recent events, one line each."""
    policy, pinned = options.policy, options.event_properties
    if not profile.events:
        return [] if profile.errors.get(SECTION_EVENTS) else [context("No recent events.")]
    events = profile.events[:CARD_EVENTS]
    per_event = max(180, min(260, EVENTS_TEXT // len(events)))
    lines = [event_line(e, policy, properties=3, limit=per_event, pinned=pinned) for e in events]
    if len(profile.events) > len(events):
        lines.append(f"+{plural(len(profile.events) - len(events), 'more event')} (not shown)")
    return [section("*Recent events*\n" + join_lines(lines, EVENTS_TEXT, "event"))]
