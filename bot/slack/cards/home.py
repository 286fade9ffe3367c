"""The App Home tab: search, the person's recent lookups, how to use the bot; or a refusal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.identifiers import MAX_INPUT_LENGTH
from bot.slack import component_ids as ids
from bot.slack.cards import text as t
from bot.slack.cards.blocks import Block, actions, button, context, divider, header, plain, section
from bot.slack.history import RecentLookup

HOME_CALLBACK = "profile_home"
TTL_WORDS = {86400.0: "a day", 7 * 86400.0: "7 days"}


def _kept_for(ttl: float) -> str:
    if ttl in TTL_WORDS:
        return TTL_WORDS[ttl]
    if ttl >= 86400:
        return f"{ttl / 86400:g} days"
    return f"{ttl / 3600:g} hours" if ttl >= 3600 else f"{ttl / 60:g} minutes"


def _search_blocks() -> list[Block]:
    return [
        {
            "type": "input",
            "block_id": ids.HOME_SEARCH_BLOCK,
            "optional": True,
            "label": plain("Look up a customer"),
            "element": {
                "type": "plain_text_input",
                "action_id": ids.HOME_SEARCH_INPUT,
                "placeholder": plain("jane@acme.com, +15555550123 or user_id:u_123"),
                "max_length": MAX_INPUT_LENGTH,
            },
        },
        actions([button("Look up", ids.HOME_SEARCH, value="search", style="primary")]),
    ]


def _recent_line(entry: RecentLookup) -> Block:
    name = t.escape_truncated(entry.label, 150) if entry.label.strip() else ""
    ident = f"`{t.escape_truncated(entry.identifier.display(), 200)}`"
    head = f"*{name}* · {ident}" if name else ident
    block = section(f"{head}\n{t.date_token(entry.at)}")
    block["accessory"] = button("Open", ids.HOME_RECENT, value=entry.entry_id)
    return block


def _recent_blocks(
    entries: Sequence[RecentLookup], *, history_enabled: bool, ttl: float
) -> list[Block]:
    blocks: list[Block] = [section("*Your recent lookups*")]
    if not history_enabled:
        return [*blocks, context("Your admin turned lookup history off, so none is kept.")]
    if not entries:
        return [
            *blocks,
            context(f"Nothing yet. Customers you look up are listed here for {_kept_for(ttl)}."),
        ]
    blocks += [_recent_line(e) for e in entries[:10]]
    blocks.append(context(f"Only you see this list. Each lookup is kept for {_kept_for(ttl)}."))
    blocks.append(actions([button("Clear my history", ids.HOME_CLEAR_HISTORY, value="clear")]))
    return blocks


def _how_to_blocks(examples: Sequence[str]) -> list[Block]:
    sample = t.escape_truncated(examples[0], 100) if examples else "email:jane@acme.com"
    return [
        section("*How to use it* (only you ever see the answers)"),
        section(
            f"• `{ids.COMMAND} {sample}` in any conversation\n"
            "• *Look up customer* from a message's ⋮ menu: finds the email or phone in it\n"
            "• *Look up customer* from the shortcut menu (⚡ or /), anywhere\n"
            "• A direct message to me with an email, phone or `type:value`\n"
            "• Mention me in a thread: I answer you privately, using the thread's first "
            "message when yours has no identifier"
        ),
    ]


def build_home_view(
    entries: Sequence[RecentLookup],
    *,
    examples: Sequence[str],
    history_enabled: bool,
    ttl: float,
    notice: str | None = None,
) -> dict[str, Any]:
    """The member's Home tab: search, recent lookups, how to; `notice` (our wording) on top."""
    blocks: list[Block] = [header("Customer profiles", emoji=False)]
    if notice:
        blocks.append(context(f":information_source: {t.escape_truncated(notice, 1000)}"))
    blocks += _search_blocks()
    blocks.append(divider())
    blocks += _recent_blocks(entries, history_enabled=history_enabled, ttl=ttl)
    blocks.append(divider())
    blocks += _how_to_blocks(examples)
    return {"type": "home", "callback_id": HOME_CALLBACK, "blocks": blocks[: t.MAX_MODAL_BLOCKS]}


def build_home_refusal_view(message: dict[str, Any]) -> dict[str, Any]:
    """The Home tab of someone who may not use the bot: the refusal only."""
    blocks = list(message.get("blocks") or [section("You don't have access.")])
    return {"type": "home", "callback_id": HOME_CALLBACK, "blocks": blocks[: t.MAX_MODAL_BLOCKS]}
