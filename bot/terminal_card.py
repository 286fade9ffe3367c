"""Render a Block Kit message as readable terminal text (for `profile-bot demo`)."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Mapping
from typing import Any

WIDTH = 78
_DATE_TOKEN = re.compile(r"<!date\^\d+\^[^|>]*\|([^>]*)>")
_USER = re.compile(r"<@([A-Z0-9]+)>")
_LINK = re.compile(r"<([^|<>]+)\|([^<>]+)>")
_BARE_LINK = re.compile(r"<((?:https?|mailto|tel):[^|<>]+)>")
_EMPHASIS = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
_SHORTCODE = re.compile(r":([a-z0-9_+-]+):")
# The emoji the cards use, as Slack shows them; any other :shortcode: is left as typed.
EMOJI = {
    "hourglass": "⌛",
    "hourglass_flowing_sand": "⏳",
    "information_source": "ℹ️",
    "lock": "🔒",
    "loudspeaker": "📢",
    "mag": "🔍",
    "no_entry": "⛔",
    "office": "🏢",
    "warning": "⚠️",
    "white_check_mark": "✅",
    "x": "❌",
}
# Slack escapes only these three in mrkdwn; anything else that looks like an entity is text.
_ENTITIES = {"&lt;": "<", "&gt;": ">", "&amp;": "&"}


def mrkdwn_to_text(text: str) -> str:
    """Slack mrkdwn as a terminal shows it: date tokens → fallback, links → label, no markers."""
    text = _DATE_TOKEN.sub(lambda m: m.group(1), text)
    text = _USER.sub(lambda m: f"@{m.group(1)}", text)
    text = _LINK.sub(lambda m: m.group(2), text)
    text = _BARE_LINK.sub(lambda m: m.group(1), text)
    text = _EMPHASIS.sub(lambda m: m.group(1), text)
    return _unescape(emojize(text))


def emojize(text: str) -> str:
    """Replace the :shortcodes: the cards use with the emoji Slack shows for them."""
    return _SHORTCODE.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)


def _unescape(text: str) -> str:
    # One pass, left to right, so "&amp;lt;" (an escaped "&lt;" typed by someone) stays "&lt;".
    return re.sub("&(?:lt|gt|amp);", lambda m: _ENTITIES[m.group(0)], text)


def _text_of(obj: Mapping[str, Any] | None) -> str:
    if not obj:
        return ""
    raw = str(obj.get("text", ""))
    if obj.get("type") == "mrkdwn":
        return mrkdwn_to_text(raw)
    return raw if obj.get("emoji") is False else emojize(raw)


_ITEM_SEP = " · "
_HANG = "    "  # continuation lines of a " · " list are indented under its first line


def _wrap(text: str, indent: str = "  ") -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        if _ITEM_SEP in paragraph and len(indent) + len(paragraph) > WIDTH:
            lines.extend(_wrap_items(paragraph.split(_ITEM_SEP), indent))
            continue
        lines.extend(
            textwrap.wrap(paragraph, WIDTH, initial_indent=indent, subsequent_indent=indent)
            or [indent.rstrip()]
        )
    return lines


def _wrap_items(items: list[str], indent: str) -> list[str]:
    """Items joined by " · ", broken only between items (a long item at word boundaries), with
    a hanging indent; the last line never holds a lone item the line above could give up."""
    rows: list[list[str]] = [[]]
    for item in items:
        row = rows[-1]
        room = WIDTH - len(indent) - (len(_HANG) if len(rows) > 1 else 0)
        if row and len(_ITEM_SEP.join([*row, item])) > room:
            rows.append([item])
        else:
            row.append(item)
    if len(rows) > 1 and len(rows[-1]) == 1 and len(rows[-2]) > 2:
        moved = [rows[-2][-1], *rows[-1]]
        if len(_ITEM_SEP.join(moved)) <= WIDTH - len(indent) - len(_HANG):
            rows[-2].pop()
            rows[-1] = moved
    lines: list[str] = []
    for number, row in enumerate(rows):
        lead = indent if number == 0 else indent + _HANG
        lines.extend(
            textwrap.wrap(
                _ITEM_SEP.join(row), WIDTH, initial_indent=lead, subsequent_indent=indent + _HANG
            )
        )
    return lines


def _fields(fields: Iterable[Mapping[str, Any]]) -> list[str]:
    lines: list[str] = []
    for field in fields:
        label, _, value = _text_of(field).partition("\n")
        lines.extend(_wrap(f"{label:<18} {value}".rstrip() if value else label))
    return lines


def _elements(block: Mapping[str, Any]) -> list[str]:
    parts = []
    for element in block.get("elements", []):
        if element.get("type") in ("mrkdwn", "plain_text"):
            parts.append(_text_of(element))
        elif element.get("type") == "image":
            parts.append(f"[{element.get('alt_text', 'image')}]")
    return parts


def render_blocks(blocks: Iterable[Mapping[str, Any]]) -> str:
    """The blocks of a message or modal as plain text lines."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = _text_of(block.get("text"))
            lines += ["", f"  {title}", "  " + "═" * min(WIDTH - 2, max(8, len(title)))]
        elif kind == "divider":
            lines.append("  " + "─" * (WIDTH - 2))
        elif kind == "section":
            if block.get("text"):
                lines += _wrap(_text_of(block["text"]))
            lines += _fields(block.get("fields", []))
            accessory = block.get("accessory") or {}
            if accessory.get("type") == "button":
                lines.append(f"  [ {_text_of(accessory.get('text'))} ]")
        elif kind == "context":
            lines += _wrap(" · ".join(_elements(block)), indent="    ")
        elif kind == "actions":
            buttons = [
                f"[ {_text_of(e.get('text'))} ]"
                for e in block.get("elements", [])
                if e.get("type") == "button"
            ]
            lines += ["", "  " + "  ".join(buttons)]
        elif kind == "rich_text":
            lines += _wrap(_rich_text(block))
        elif kind == "input":
            lines.append(f"  {_text_of(block.get('label'))}: [______________]")
    return "\n".join(lines).strip("\n")


def _rich_text(block: Mapping[str, Any]) -> str:
    out: list[str] = []
    for element in block.get("elements", []):
        for inner in element.get("elements", []):
            out.append(str(inner.get("text") or inner.get("url") or ""))
    return "".join(out)


def render_message(message: Mapping[str, Any]) -> str:
    """A whole message: its blocks, or its fallback text when it has none."""
    blocks = message.get("blocks") or []
    if not blocks:
        return "\n".join(_wrap(mrkdwn_to_text(str(message.get("text", "")))))
    return render_blocks(blocks)
