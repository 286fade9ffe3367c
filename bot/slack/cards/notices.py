"""Small cards: loading, help, invalid input, refusals, notices, and the identifier modals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.identifiers import MAX_INPUT_LENGTH, Identifier
from bot.slack import component_ids as ids
from bot.slack.cards import text as t
from bot.slack.cards.blocks import (
    Block,
    actions,
    button,
    context,
    message,
    modal,
    plain,
    section,
)

MAX_PICKS = 20  # identifiers offered in the picker (one section each)

# What the bot says when it cannot do what was asked (the listeners and delivery send these).
NOTICE_TITLE = "Customer profile"
BUSY_TEXT = "The bot is busy right now. Please try again in a moment."
LOOKUP_FAILED_TEXT = "Something went wrong on our side while looking that up. Please try again."
# What to do again after a window did not open, per button or shortcut.
ALL_TRAITS_AGAIN = "Please press All traits again."
SHARE_AGAIN = "Please press Share again."
MORE_EVENTS_AGAIN = "Please press More events again."
SHORTCUT_AGAIN = "Please run the shortcut again."
PEOPLE_AGAIN = "Please press People again."
OPEN_AGAIN = "Please press Open again."
# Slack's views.open/push errors, by what the person can do about them.
_LATE_TRIGGER_CODES = frozenset(
    {"expired_trigger_id", "exchanged_trigger_id", "missing_trigger_id", "invalid_trigger_id"}
)
_PERMISSION_CODES = frozenset(
    {
        "missing_scope",
        "not_authed",
        "invalid_auth",
        "token_revoked",
        "token_expired",
        "account_inactive",
        "not_allowed_token_type",
        "no_permission",
        "access_denied",
    }
)
LINK_GONE_TEXT = "That link is no longer on this card. Run /profile again."
SHARE_FAILED_TEXT = "Slack didn't accept the post ({code}), so nothing was shared."


def modal_not_opened_text(code: str, again: str) -> str:
    """Why a window did not open, by Slack's error `code`: too late, a permission, or other."""
    safe = code[:60]  # escaped once, by the notice builder that shows this text
    if code in _LATE_TRIGGER_CODES:
        # Slack gives 3 s from the click to open a window; a slow or sleeping bot misses it.
        return f"Slack didn't open the window in time. {again}"
    if code in _PERMISSION_CODES:
        return (
            f"Slack refused to open the window: the bot's Slack token lacks a permission or is no "
            f"longer valid ({safe}). Pressing again won't help: ask a Slack admin to reinstall "
            "the app from its manifest."
        )
    return f"Slack couldn't open the window ({safe}). {again}"


def _code_list(items: Sequence[str], limit: int = 12) -> str:
    shown = [f"`{t.escape_own_truncated(item, 80)}`" for item in items[:limit]]
    more = f" +{len(items) - limit:,} more" if len(items) > limit else ""
    return ", ".join(shown) + more


def _ident(ident: Identifier) -> str:
    return f"*{t.escape_identifier(ident.display(), 300)}*"


def build_loading_message(ident: Identifier) -> dict[str, Any]:
    """ "Looking up email:… …" while the lookup runs."""
    blocks = [section(f":hourglass_flowing_sand: Looking up {_ident(ident)} …")]
    return message("Looking up the customer…", blocks)


def build_loading_view(label: str = "Looking up the customer…") -> dict[str, Any]:
    """A modal to open at once (it uses the trigger) and update when the profile arrives."""
    blocks = [section(f":hourglass_flowing_sand: {t.escape_own_truncated(label, 500)}")]
    return modal("Customer profile", blocks, callback_id=ids.PROFILE_VIEW)


def build_help_message(examples: Sequence[str], id_types: Sequence[str]) -> dict[str, Any]:
    """How to use the bot, with examples and the id types it accepts."""
    lines = "\n".join(f"• `{ids.COMMAND} {t.escape_own_truncated(e, 100)}`" for e in examples[:10])
    blocks: list[Block] = [
        section(
            "*Look up a customer's Segment profile*\n"
            f"Type `{ids.COMMAND}` and an email, a phone number in international form, or "
            "`type:value`. Only you see the answer."
        ),
    ]
    if lines:
        blocks.append(section(f"*Examples*\n{lines}"))
    if id_types:
        blocks.append(context(f"Id types you can use: {_code_list(id_types, 20)}"))
    blocks.append(
        context(
            "You can also run the *Look up customer* shortcut from a message's ⋮ menu: "
            "the bot finds the email or phone in it."
        )
    )
    return message(f"How to use {ids.COMMAND}", blocks)


def build_invalid_input_message(reason: str, examples: Sequence[str]) -> dict[str, Any]:
    """Why the input can't be looked up, and what is accepted."""
    blocks: list[Block] = [section(f":x: {t.escape_own_truncated(reason, 500)}")]
    if examples:
        blocks.append(context(f"Accepted, for example: {_code_list(examples, 8)}"))
    blocks.append(context(f"Type `{ids.COMMAND} help` for more."))
    return message("That can't be looked up", blocks)


def build_notice_message(text: str) -> dict[str, Any]:
    """A plain notice (the text is escaped, so it can't mention or link)."""
    return message("Notice from the profile bot", [section(t.escape_own_truncated(text, 2900))])


def build_notice_view(title: str, text: str) -> dict[str, Any]:
    """A plain notice in a modal."""
    blocks = [section(t.escape_own_truncated(text, 2900))]
    return modal(title, blocks, callback_id=ids.PROFILE_VIEW)


def build_denied_message(group_labels: Sequence[str]) -> dict[str, Any]:
    """A refusal naming the user groups that grant access (named, never pinged)."""
    if group_labels:
        names = ", ".join(f"*{t.escape_truncated(label, 80)}*" for label in group_labels[:10])
        more = f" and {len(group_labels) - 10:,} more" if len(group_labels) > 10 else ""
        how = f"Access comes with membership of these Slack user groups: {names}{more}."
    else:
        how = "No Slack user group grants access yet."
    text = f":no_entry: You don't have access to customer profiles. {how} Ask a Slack admin."
    return message("You don't have access to customer profiles", [section(text)])


def build_access_unavailable_message(reason: str) -> dict[str, Any]:
    """Slack couldn't confirm access, so the bot fails closed and says so."""
    text = (
        ":warning: The bot can't check your access right now "
        f"({t.escape_own_truncated(reason, 300)}), so it shows no customer data. "
        "Try again in a minute."
    )
    return message("Can't check your access right now", [section(text)])


def build_pick_identifier_view(
    idents: Sequence[Identifier], *, private_metadata: str
) -> dict[str, Any]:
    """Several identifiers found: one button each (value = its index), plus "Type another"."""
    blocks: list[Block] = [section("This message mentions more than one customer. Pick one:")]
    for index, ident in enumerate(idents[:MAX_PICKS]):
        block = section(_ident(ident))
        block["accessory"] = button("Look up", ids.PICK_IDENTIFIER, value=str(index))
        blocks.append(block)
    if len(idents) > MAX_PICKS:
        blocks.append(context(f"+{len(idents) - MAX_PICKS:,} more not shown."))
    blocks.append(actions([button("Type another…", ids.TYPE_IDENTIFIER, value="type")]))
    return modal(
        "Which customer?",
        blocks,
        callback_id=ids.PROFILE_VIEW,
        private_metadata=private_metadata,
    )


def build_pick_identifier_message(idents: Sequence[Identifier], *, ref: str) -> dict[str, Any]:
    """`/profile` named several customers: one button each (value `ref:index`), only to you."""
    blocks: list[Block] = [section("That names more than one customer. Pick one:")]
    for index, ident in enumerate(idents[:MAX_PICKS]):
        block = section(_ident(ident))
        block["accessory"] = button("Look up", ids.PICK_IDENTIFIER, value=f"{ref}:{index}")
        blocks.append(block)
    if len(idents) > MAX_PICKS:
        blocks.append(context(f"+{len(idents) - MAX_PICKS:,} more not shown."))
    blocks.append(context(f"Or type `{ids.COMMAND}` with just one of them."))
    return message("Which customer?", blocks)


def build_enter_identifier_view(
    *, private_metadata: str, note: str | None = None
) -> dict[str, Any]:
    """A modal with one input for an email, phone or type:value."""
    blocks: list[Block] = []
    if note:
        blocks.append(context(f":information_source: {t.escape_own_truncated(note, 1000)}"))
    blocks.append(
        {
            "type": "input",
            "block_id": ids.IDENTIFIER_INPUT_BLOCK,
            "label": plain("Email, phone or type:value"),
            "element": {
                "type": "plain_text_input",
                "action_id": ids.IDENTIFIER_INPUT_ACTION,
                "placeholder": plain("jane@acme.com or user_id:u_123"),
                "max_length": MAX_INPUT_LENGTH,
            },
            "hint": plain(
                "Emails match in lowercase; phones in international form, e.g. +15555550123."
            ),
        }
    )
    return modal(
        "Look up a customer",
        blocks,
        callback_id=ids.ENTER_IDENTIFIER_VIEW,
        submit="Look up",
        close="Cancel",
        private_metadata=private_metadata,
    )


def build_notice_modal(text: str) -> dict[str, Any]:
    """A modal that only says `text`."""
    return build_notice_view(NOTICE_TITLE, text)


def build_message_modal(message: dict[str, Any]) -> dict[str, Any]:
    """A notice modal showing a message card's blocks (a refusal keeps all its detail)."""
    view = build_notice_modal(str(message.get("text") or "Notice"))
    blocks = message.get("blocks")
    if isinstance(blocks, list) and blocks:
        view["blocks"] = blocks[: t.MAX_MODAL_BLOCKS]
    return view
