"""Small constructors for Block Kit dicts; every mrkdwn object is verbatim (no auto-parsing)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from bot.slack.cards import text as t

Block = dict[str, Any]


def mrkdwn(safe_text: str, limit: int = t.MAX_TEXT_OBJECT) -> dict[str, Any]:
    """A mrkdwn text object from already-escaped text.

    `verbatim` stops Slack's preprocessing, which would otherwise auto-link URLs and channel
    names and turn a bare "@here" in data into a live mention; our `<!date…>` tokens still work.
    """
    return {"type": "mrkdwn", "text": t.truncate_mrkdwn(safe_text, limit) or "—", "verbatim": True}


def plain(raw_text: str, limit: int = t.MAX_TEXT_OBJECT, *, emoji: bool = True) -> dict[str, Any]:
    """A plain_text object: Slack shows it literally, so raw data needs no escaping here."""
    shown = t.truncate(t.clean_text(raw_text), limit)
    return {"type": "plain_text", "text": shown if shown.strip() else "—", "emoji": emoji}


def header(raw_text: str, *, emoji: bool = True) -> Block:
    """A header block (plain text, 150 characters at most); emoji=False for data."""
    text = plain(" ".join(raw_text.split()), t.MAX_HEADER_TEXT, emoji=emoji)
    return {"type": "header", "text": text}


def section(safe_text: str, *, limit: int = t.MAX_SECTION_TEXT) -> Block:
    """A section with one mrkdwn text."""
    return {"type": "section", "text": mrkdwn(safe_text, limit)}


def fields_section(safe_fields: Sequence[str], *, field_limit: int = t.MAX_FIELD_TEXT) -> Block:
    """A section of up to ten mrkdwn fields (two columns)."""
    fields = [mrkdwn(text, field_limit) for text in safe_fields[: t.MAX_FIELDS]]
    return {"type": "section", "fields": fields}


def context(*safe_texts: str, limit: int = t.MAX_TEXT_OBJECT) -> Block:
    """A context line of up to ten small mrkdwn elements."""
    elements = [mrkdwn(text, limit) for text in safe_texts[: t.MAX_CONTEXT_ELEMENTS]]
    return {"type": "context", "elements": elements}


def data_context(raw_text: str, *, limit: int = t.MAX_TEXT_OBJECT) -> Block:
    """A context line that is (mostly) data: plain_text, shown literally, no :emoji: parsed
    (use Unicode emoji for our own)."""
    return {"type": "context", "elements": [plain(" ".join(raw_text.split()), limit, emoji=False)]}


def divider() -> Block:
    """A horizontal rule."""
    return {"type": "divider"}


def button(
    label: str,
    action_id: str,
    *,
    value: str | None = None,
    url: str | None = None,
    style: str | None = None,
) -> dict[str, Any]:
    """A button element; `value` is an opaque reference, never customer data."""
    element: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": plain(label, t.MAX_BUTTON_TEXT),
    }
    if value is not None:
        if len(value) > t.MAX_BUTTON_VALUE:
            raise ValueError("button value too long (it should be a short reference)")
        element["value"] = value
    if url is not None:
        element["url"] = url
    if style is not None:
        element["style"] = style
    return element


def actions(elements: Iterable[dict[str, Any]], *, block_id: str | None = None) -> Block:
    """An actions block (up to 25 elements)."""
    block: Block = {"type": "actions", "elements": list(elements)[: t.MAX_ACTIONS_ELEMENTS]}
    if block_id is not None:
        block["block_id"] = block_id
    return block


def message(fallback: str, blocks: list[Block]) -> dict[str, Any]:
    """A message payload; `fallback` is our own wording and carries no customer data."""
    return {"text": t.truncate(fallback, t.MAX_FALLBACK_TEXT), "blocks": blocks}


def modal(
    title: str,
    blocks: list[Block],
    *,
    callback_id: str,
    close: str = "Close",
    submit: str | None = None,
    private_metadata: str = "",
) -> dict[str, Any]:
    """A modal view dict; title, submit and close are cut to 24 characters."""
    if len(private_metadata) > t.MAX_PRIVATE_METADATA:
        # Truncating would corrupt the caller's state, so refuse loudly instead.
        raise ValueError("private_metadata is longer than Slack's 3,000 characters")
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, t.MAX_VIEW_TEXT),
        "close": plain(close, t.MAX_VIEW_TEXT),
        "blocks": blocks[: t.MAX_MODAL_BLOCKS],
    }
    if submit is not None:
        view["submit"] = plain(submit, t.MAX_VIEW_TEXT)
    if private_metadata:
        view["private_metadata"] = private_metadata
    return view
