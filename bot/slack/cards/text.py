"""Block Kit limits, mrkdwn escaping, visible truncation and value formatting for the cards."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from bot.slack.cards.inert import inert, strip_bidi

__all__ = [
    "ELLIPSIS",
    "clean_text",
    "date_token",
    "epoch_fallback",
    "escape_identifier",
    "escape_markup",
    "escape_mrkdwn",
    "escape_own_truncated",
    "escape_truncated",
    "format_value",
    "iso_to_epoch",
    "text_length",
    "truncate",
    "truncate_mrkdwn",
]

# Block Kit limits (slack-platform.md §6.1; slack_sdk model validators).
MAX_MESSAGE_BLOCKS = 50
MAX_MODAL_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_TEXT_OBJECT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_URL = 3000
MAX_ACTION_ID = 255
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25
MAX_BLOCK_ID = 255
MAX_VIEW_TEXT = 24  # modal title, submit and close
MAX_CALLBACK_ID = 255
MAX_PRIVATE_METADATA = 3000
MAX_VIEW_BYTES = 250_000  # `view_too_large`; we measure ASCII-escaped JSON, the worst case
MAX_INPUT_LABEL = 2000
MAX_PLACEHOLDER = 150
# Slack answers `msg_blocks_too_long` at roughly 12-13k characters of text in total, far below
# 50 blocks (undocumented: bolt-js#2509). Our own cap stays well below that.
MAX_MESSAGE_TEXT = 10_000
MAX_FALLBACK_TEXT = 3000  # our cap on a message's top-level `text` (Slack truncates at 40k)
ELLIPSIS = "…"

VALUE_LIMIT = 300  # default visible length of one formatted value
MAX_ITEMS = 5  # list items / object entries shown inline before "+N more"
MAX_DEPTH = 2  # nesting levels shown inline; deeper containers are summarised
KEY_LIMIT = 40  # a nested object's key, inline

# C0/C1 controls (but tab, CR, LF) and lone surrogates: Slack cannot take them.
_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Atoms of already-safe mrkdwn that truncation must never split: our `<…>` tokens and entities.
_MRKDWN_ATOM = re.compile(r"<[^<>]*>|&(?:amp|lt|gt);|.", re.DOTALL)
_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?$"
)
_MAX_EPOCH = 253_402_300_799  # 9999-12-31T23:59:59Z
IsHidden = Callable[[str], bool]


def text_length(text: str) -> int:
    """Length in UTF-16 code units: never less than Python's len(), whichever Slack counts."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def clean_text(text: str) -> str:
    """Replace control characters and lone surrogates (which Slack cannot take) with U+FFFD,
    and drop bidirectional controls (which would reorder the text after them)."""
    return strip_bidi(_UNSAFE_CHARS.sub("\ufffd", text))


def _entities(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_markup(text: str) -> str:
    """Escape `&`, `<`, `>` in our own wording or an admin's settings (it may use mrkdwn)."""
    return _entities(clean_text(text))


def escape_mrkdwn(text: str) -> str:
    """Data for mrkdwn: it can't mention, link, format, make emoji, quote or reorder text."""
    return _entities(inert(clean_text(text)))


def escape_truncated(text: str, limit: int) -> str:
    """Escape data for mrkdwn and cut the escaped result to `limit`, never mid-entity."""
    return truncate_mrkdwn(escape_mrkdwn(text[: limit + 1]), limit)


def escape_identifier(text: str, limit: int) -> str:
    """An identifier (as typed, or looked up) for mrkdwn, cut to `limit`: inert like all data,
    but our templates never put a colon right after one, so `phone:+44…` keeps its colon."""
    safe = _entities(inert(clean_text(text[: limit + 1]), colon_may_follow=False))
    return truncate_mrkdwn(safe, limit)


def escape_own_truncated(text: str, limit: int) -> str:
    """`escape_markup` (our own wording, not data) cut to `limit`, never mid-entity."""
    return truncate_mrkdwn(escape_markup(text[: limit + 1]), limit)


def truncate(text: str, limit: int) -> str:
    """Cut plain text to `limit` (UTF-16 units), ending in a visible `…` when cut."""
    if len(text) <= limit // 2 or (len(text) <= limit and text_length(text) <= limit):
        return text
    kept: list[str] = []
    used = 0
    for char in text[:limit]:
        width = 2 if ord(char) > 0xFFFF else 1
        if used + width > limit - 1:
            break
        kept.append(char)
        used += width
    return "".join(kept) + ELLIPSIS


def truncate_mrkdwn(text: str, limit: int) -> str:
    """Cut safe mrkdwn to `limit` without splitting an entity or one of our `<…>` tokens."""
    if len(text) <= limit // 2 or (len(text) <= limit and text_length(text) <= limit):
        return text
    kept: list[str] = []
    used = 0
    for match in _MRKDWN_ATOM.finditer(text):
        atom = match.group(0)
        width = text_length(atom)
        if used + width > limit - 1:
            break
        kept.append(atom)
        used += width
    return "".join(kept) + ELLIPSIS


def epoch_fallback(epoch: float) -> str:
    """A UTC rendering of an epoch for clients that cannot show date tokens."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")


def date_token(epoch: float, fallback: str | None = None) -> str:
    """A Slack date token, shown in each viewer's own time zone; only our code builds these."""
    if not (math.isfinite(epoch) and 0 <= epoch <= _MAX_EPOCH):
        return escape_markup(fallback or "an unknown time")
    shown = escape_markup(fallback if fallback is not None else epoch_fallback(epoch))
    shown = shown.replace("|", "/")
    return f"<!date^{int(epoch)}^{{date_short_pretty}} at {{time}}|{shown}>"


def iso_to_epoch(text: str) -> float | None:
    """Epoch seconds for an ISO 8601 date-time (naive means UTC), or None if it isn't one."""
    if len(text) > 40 or not _ISO_DATETIME.match(text):
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        epoch = parsed.timestamp()
    except (OverflowError, ValueError, OSError):
        return None
    return epoch if 0 <= epoch <= _MAX_EPOCH else None


def format_value(value: Any, *, limit: int = VALUE_LIMIT, is_hidden: IsHidden | None = None) -> str:
    """Render a JSON value as safe mrkdwn of at most `limit` characters (truncated visibly)."""
    return truncate_mrkdwn(_render(value, 0, limit, is_hidden), limit)


def format_key(key: str, limit: int = KEY_LIMIT) -> str:
    """A data key as safe mrkdwn on one line, truncated visibly."""
    return escape_truncated(_one_line_cut(key, limit), limit)


def _render(value: Any, depth: int, limit: int, is_hidden: IsHidden | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int):
        return _format_int(value)
    if isinstance(value, float):
        return _format_float(value)
    if isinstance(value, str):
        return _format_str(value, limit)
    if isinstance(value, Mapping):
        return _format_object(value, depth, limit, is_hidden)
    if isinstance(value, list | tuple):
        return _format_list(value, depth, limit, is_hidden)
    return escape_truncated(_one_line_cut(str(value), limit), limit)


def _format_int(value: int) -> str:
    if value.bit_length() > 100:
        # Python refuses to print ints over 4,300 digits; nobody reads 30+ digits anyway.
        digits = int(value.bit_length() * math.log10(2)) + 1
        return f"{'-' if value < 0 else ''}a number with about {digits:,} digits"
    return f"{value:,}"


def _format_float(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 1e15 or abs(value) < 1e-4:
        return f"{value:.4g}"
    return f"{value:,.6f}".rstrip("0").rstrip(".")


def _format_str(value: str, limit: int) -> str:
    epoch = iso_to_epoch(value.strip()) if len(value) <= 64 else None
    if epoch is not None:
        return date_token(epoch)
    shown = _one_line_cut(value, limit)
    if not shown:
        return "_(empty)_" if not value else "_(blank)_"
    return escape_truncated(shown, limit)


def _format_list(
    value: list[Any] | tuple[Any, ...], depth: int, limit: int, is_hidden: IsHidden | None
) -> str:
    if not value:
        return "_(none)_"
    if depth >= MAX_DEPTH:
        return f"[{len(value):,} item{'s' if len(value) != 1 else ''}]"
    parts = [_render(item, depth + 1, limit, is_hidden) for item in islice(value, MAX_ITEMS)]
    text = ", ".join(parts)
    if len(value) > MAX_ITEMS:
        text += f" +{len(value) - MAX_ITEMS:,} more"
    return text


def _format_object(
    value: Mapping[str, Any], depth: int, limit: int, is_hidden: IsHidden | None
) -> str:
    if not value:
        return "_(empty)_"
    if depth >= MAX_DEPTH:
        return f"{{{len(value):,} key{'s' if len(value) != 1 else ''}}}"
    shown: list[str] = []
    scanned = 0
    for key, item in islice(value.items(), 50):
        scanned += 1
        name = str(key)
        if is_hidden is not None and is_hidden(name):
            continue
        shown.append(f"{format_key(name)}: {_render(item, depth + 1, limit, is_hidden)}")
        if len(shown) == MAX_ITEMS:
            break
    text = ", ".join(shown) if shown else "_(hidden)_"
    more = len(value) - scanned
    if more > 0:
        text += f" +{more:,} more"
    return text


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _one_line_cut(text: str, limit: int) -> str:
    # Collapse whitespace in the head only (the text may be huge), keeping the cut visible.
    head = text[: limit + 1]
    return _one_line(head) + (ELLIPSIS if len(text) > len(head) else "")
