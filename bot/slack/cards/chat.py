"""Cards for the conversational surfaces: help in a DM, a picker message, the DM fallback note."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.identifiers import Identifier
from bot.slack import component_ids as ids
from bot.slack.cards import text as t
from bot.slack.cards.blocks import Block, button, context, message, section
from bot.slack.cards.notices import MAX_PICKS

MAX_CARDS_PER_MESSAGE = 3  # more identifiers than this in one message get a picker instead
MENTION_FALLBACK_TEXT = (
    "I couldn't answer you privately in that conversation (I'm not in it, or Slack didn't let "
    "me), so here is the card in our direct messages instead. Only you can see it here."
)


def _examples(examples: Sequence[str]) -> str:
    return "\n".join(f"• `{t.escape_truncated(e, 100)}`" for e in examples[:6])


def build_dm_help_message(examples: Sequence[str]) -> dict[str, Any]:
    """What to write to the bot: an email, a phone or type:value, with examples."""
    blocks: list[Block] = [
        section(
            ":wave: Send me a customer's email, phone number (international form) or "
            "`type:value` and I'll answer with their Segment profile. Only you see this "
            "conversation."
        )
    ]
    if examples:
        blocks.append(section(f"*For example*\n{_examples(examples)}"))
    blocks.append(
        context(
            f"Elsewhere: `{ids.COMMAND}` in any conversation, *Look up customer* from a "
            "message's ⋮ menu or the shortcut menu, or mention me in a thread: only you see my "
            "answer."
        )
    )
    return message("Send me an email, phone number or type:value", blocks)


def build_pick_message(idents: Sequence[Identifier], *, ref: str) -> dict[str, Any]:
    """Several identifiers in one message: a button each (value `ref:index`, no customer data;
    the same action as `/profile`'s picker, which sends the card where the picker is)."""
    blocks: list[Block] = [
        section(f"I found {len(idents):,} customers in your message. Which one?")
    ]
    for index, ident in enumerate(idents[:MAX_PICKS]):
        block = section(f"*{t.escape_truncated(ident.display(), 300)}*")
        block["accessory"] = button("Look up", ids.PICK_IDENTIFIER, value=f"{ref}:{index}")
        blocks.append(block)
    if len(idents) > MAX_PICKS:
        blocks.append(context(f"+{len(idents) - MAX_PICKS:,} more not shown."))
    return message("Which customer?", blocks)


def with_note(card: dict[str, Any], note: str) -> dict[str, Any]:
    """`card` with a context line `note` (our own wording) on top."""
    blocks = [context(f":information_source: {t.escape_truncated(note, 1000)}")]
    return {**card, "blocks": [*blocks, *card.get("blocks", [])][: t.MAX_MESSAGE_BLOCKS]}
