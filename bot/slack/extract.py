"""Find customer identifiers in a Slack message payload: its text, rich-text blocks, attachments."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from bot.identifiers import Identifier, IdentifierParser

MAX_IDENTIFIERS = 10
# Rich-text containers whose `elements` hold inline elements or further containers.
_CONTAINERS = frozenset(
    {
        "rich_text",
        "rich_text_section",
        "rich_text_list",
        "rich_text_quote",
        "rich_text_preformatted",
    }
)


def extract_identifiers(
    message: Mapping[str, Any], parser: IdentifierParser, *, limit: int = MAX_IDENTIFIERS
) -> list[Identifier]:
    """Every distinct identifier in the message, in reading order, at most `limit`."""
    found: dict[Identifier, None] = {}
    for text in message_texts(message):
        for ident in parser.find_all(text, limit=limit):
            found.setdefault(ident, None)
            if len(found) >= limit:
                return list(found)
    return list(found)


def message_texts(message: Mapping[str, Any]) -> list[str]:
    """The message's texts as Slack markup: `text`, each rich-text section, attachment texts."""
    texts: list[str] = []
    top = message.get("text")
    if isinstance(top, str) and top:
        texts.append(top)
    texts.extend(_block_texts(message.get("blocks")))
    for attachment in _dicts(message.get("attachments")):
        texts.extend(_attachment_texts(attachment))
    return texts


def _attachment_texts(attachment: Mapping[str, Any]) -> Iterator[str]:
    # Shared/forwarded messages arrive as attachments (`is_share`), sometimes with the original
    # message's blocks under `message_blocks[].message.blocks`.
    for key in ("pretext", "title", "text", "fallback", "footer"):
        value = attachment.get(key)
        if isinstance(value, str) and value:
            yield value
    for field in _dicts(attachment.get("fields")):
        for key in ("title", "value"):
            value = field.get(key)
            if isinstance(value, str) and value:
                yield value
    yield from _block_texts(attachment.get("blocks"))
    for shared in _dicts(attachment.get("message_blocks")):
        inner = shared.get("message")
        if isinstance(inner, Mapping):
            yield from _block_texts(inner.get("blocks"))


def _block_texts(blocks: Any) -> Iterator[str]:
    for block in _dicts(blocks):
        kind = block.get("type")
        if kind in _CONTAINERS:
            yield from _rich_text(block)
        elif kind in ("section", "context", "header"):
            yield from _text_objects(block)


def _text_objects(block: Mapping[str, Any]) -> Iterator[str]:
    candidates: list[Any] = [block.get("text")]
    candidates.extend(_dicts(block.get("fields")))
    candidates.extend(_dicts(block.get("elements")))
    for obj in candidates:
        if isinstance(obj, Mapping) and isinstance(obj.get("text"), str):
            yield obj["text"]


def _rich_text(container: Mapping[str, Any]) -> Iterator[str]:
    """One string per section: its inline elements joined, links kept as `<url|label>` markup."""
    pieces: list[str] = []
    for element in _dicts(container.get("elements")):
        kind = element.get("type")
        if kind in _CONTAINERS:
            yield from _rich_text(element)
        elif kind == "text" and isinstance(element.get("text"), str):
            pieces.append(element["text"])
        elif kind == "link" and isinstance(element.get("url"), str):
            pieces.append(_link_markup(element["url"], element.get("text")))
    if pieces:
        yield "".join(pieces)


def _link_markup(url: str, label: Any) -> str:
    scheme = url.split(":", 1)[0].lower()
    if scheme not in ("mailto", "tel"):
        # Web links are skipped, as the parser skips `<https://…|…>` markup in plain text.
        return " "
    safe_label = label if isinstance(label, str) else url.split(":", 1)[-1]
    for ch in "|<>":
        safe_label = safe_label.replace(ch, " ")
    return f" <{url}|{safe_label}> "


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]
