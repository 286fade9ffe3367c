"""Check blocks, messages and modals against every Block Kit limit the cards must respect (the
limits themselves live in bot.slack.cards.text, beside the builders that keep to them)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from bot.slack.cards import text as t

_SURFACE_MAX_BLOCKS = {"message": t.MAX_MESSAGE_BLOCKS, "modal": t.MAX_MODAL_BLOCKS}
_BLOCK_TYPES = frozenset({"section", "header", "context", "actions", "divider", "input"})


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.total_text = 0

    def fail(self, where: str, problem: str) -> None:
        self.problems.append(f"{where}: {problem}")

    def text(self, obj: Any, where: str, limit: int, *, plain_only: bool = False) -> None:
        if not isinstance(obj, Mapping):
            self.fail(where, "text object missing or not an object")
            return
        kind = obj.get("type")
        if kind not in ("plain_text", "mrkdwn") or (plain_only and kind != "plain_text"):
            self.fail(where, f"text type {kind!r} not allowed here")
        body = obj.get("text")
        if not isinstance(body, str) or not body:
            self.fail(where, "text is empty")
            return
        length = t.text_length(body)
        self.total_text += length
        if length > limit:
            self.fail(where, f"text is {length} characters (max {limit})")

    def length(self, value: Any, where: str, name: str, limit: int, *, required: bool) -> None:
        if value is None:
            if required:
                self.fail(where, f"{name} is missing")
            return
        if not isinstance(value, str) or (required and not value):
            self.fail(where, f"{name} must be a non-empty string")
        elif t.text_length(value) > limit:
            self.fail(where, f"{name} is {t.text_length(value)} characters (max {limit})")

    def element(self, element: Any, where: str) -> None:
        if not isinstance(element, Mapping):
            self.fail(where, "element is not an object")
            return
        kind = element.get("type")
        self.length(element.get("action_id"), where, "action_id", t.MAX_ACTION_ID, required=True)
        if kind == "button":
            self.text(element.get("text"), where, t.MAX_BUTTON_TEXT, plain_only=True)
            self.length(element.get("value"), where, "value", t.MAX_BUTTON_VALUE, required=False)
            self.length(element.get("url"), where, "url", t.MAX_URL, required=False)
        elif kind == "plain_text_input":
            if "placeholder" in element:
                self.text(element["placeholder"], where, t.MAX_PLACEHOLDER, plain_only=True)
            max_length = element.get("max_length", 3000)
            if not isinstance(max_length, int) or not 1 <= max_length <= 3000:
                self.fail(where, "max_length must be 1-3000")
        elif kind == "conversations_select":
            # The share confirmation's "Share to" (a DM card has no conversation of its own).
            if "placeholder" in element:
                self.text(element["placeholder"], where, t.MAX_PLACEHOLDER, plain_only=True)
            allowed = {"im", "mpim", "private", "public"}
            include = element.get("filter", {}).get("include", [])
            if not set(include) <= allowed:
                self.fail(where, f"filter.include must be among {sorted(allowed)}")
        else:
            self.fail(where, f"element type {kind!r} is not one the cards use")

    def block(self, block: Any, where: str) -> None:
        if not isinstance(block, Mapping):
            self.fail(where, "block is not an object")
            return
        kind = block.get("type")
        if kind not in _BLOCK_TYPES:
            self.fail(where, f"block type {kind!r} is not one the cards use")
            return
        self.length(block.get("block_id"), where, "block_id", t.MAX_BLOCK_ID, required=False)
        getattr(self, f"_{kind}")(block, where)

    def _section(self, block: Mapping[str, Any], where: str) -> None:
        fields = block.get("fields")
        if "text" not in block and not fields:
            self.fail(where, "section needs text or fields")
        if "text" in block:
            self.text(block["text"], where, t.MAX_SECTION_TEXT)
        if fields is not None:
            if not isinstance(fields, list) or not 1 <= len(fields) <= t.MAX_FIELDS:
                self.fail(where, f"fields must be a list of 1-{t.MAX_FIELDS} text objects")
            else:
                for i, field in enumerate(fields):
                    self.text(field, f"{where} field {i}", t.MAX_FIELD_TEXT)
        if "accessory" in block:
            self.element(block["accessory"], f"{where} accessory")

    def _header(self, block: Mapping[str, Any], where: str) -> None:
        self.text(block.get("text"), where, t.MAX_HEADER_TEXT, plain_only=True)

    def _context(self, block: Mapping[str, Any], where: str) -> None:
        elements = block.get("elements")
        if not isinstance(elements, list) or not 1 <= len(elements) <= t.MAX_CONTEXT_ELEMENTS:
            self.fail(where, f"context needs 1-{t.MAX_CONTEXT_ELEMENTS} elements")
            return
        for i, element in enumerate(elements):
            self.text(element, f"{where} element {i}", t.MAX_TEXT_OBJECT)

    def _actions(self, block: Mapping[str, Any], where: str) -> None:
        elements = block.get("elements")
        if not isinstance(elements, list) or not 1 <= len(elements) <= t.MAX_ACTIONS_ELEMENTS:
            self.fail(where, f"actions needs 1-{t.MAX_ACTIONS_ELEMENTS} elements")
            return
        action_ids = [e.get("action_id") for e in elements if isinstance(e, Mapping)]
        if len(set(action_ids)) != len(action_ids):
            self.fail(where, "action_ids repeat within one block")
        for i, element in enumerate(elements):
            self.element(element, f"{where} element {i}")

    def _divider(self, block: Mapping[str, Any], where: str) -> None:
        return None

    def _input(self, block: Mapping[str, Any], where: str) -> None:
        self.text(block.get("label"), where, t.MAX_INPUT_LABEL, plain_only=True)
        if "hint" in block:
            self.text(block["hint"], f"{where} hint", t.MAX_INPUT_LABEL, plain_only=True)
        self.element(block.get("element"), f"{where} element")


def check_blocks(blocks: Sequence[Mapping[str, Any]], surface: str = "message") -> list[str]:
    """Every Block Kit limit broken by `blocks` on a "message" or "modal", as readable lines."""
    if surface not in _SURFACE_MAX_BLOCKS:
        raise ValueError(f"unknown surface {surface!r}")
    checker = _Checker()
    max_blocks = _SURFACE_MAX_BLOCKS[surface]
    if len(blocks) > max_blocks:
        checker.fail(surface, f"{len(blocks)} blocks (max {max_blocks})")
    if surface == "modal" and not blocks:
        checker.fail(surface, "a modal needs at least one block")
    block_ids = [b.get("block_id") for b in blocks if isinstance(b, Mapping) and "block_id" in b]
    if len(set(block_ids)) != len(block_ids):
        checker.fail(surface, "block_ids repeat")
    for i, block in enumerate(blocks):
        kind = block.get("type") if isinstance(block, Mapping) else None
        checker.block(block, f"block {i} ({kind})")
    if surface == "message" and checker.total_text > t.MAX_MESSAGE_TEXT:
        checker.fail(surface, f"{checker.total_text} characters of text (max {t.MAX_MESSAGE_TEXT})")
    return checker.problems


def check_message(message: Mapping[str, Any]) -> list[str]:
    """Limit violations of a whole message: fallback text plus blocks."""
    problems: list[str] = []
    fallback = message.get("text")
    if not isinstance(fallback, str) or not fallback.strip():
        problems.append("message: top-level text fallback is missing")
    elif t.text_length(fallback) > t.MAX_FALLBACK_TEXT:
        problems.append(f"message: fallback text over {t.MAX_FALLBACK_TEXT} characters")
    blocks = message.get("blocks", [])
    if not isinstance(blocks, list):
        return [*problems, "message: blocks is not a list"]
    return problems + check_blocks(blocks, "message")


def check_view(view: Mapping[str, Any]) -> list[str]:
    """Limit violations of a whole modal or Home tab: title, buttons, metadata, size, blocks."""
    checker = _Checker()
    if view.get("type") == "home":
        # A Home tab has no title, submit or close (docs.slack.dev, home-tab-views).
        for name in ("title", "submit", "close"):
            if name in view:
                checker.fail("view", f"a home view has no {name}")
    elif view.get("type") != "modal":
        checker.fail("view", "type must be modal or home")
    else:
        checker.text(view.get("title"), "view title", t.MAX_VIEW_TEXT, plain_only=True)
    for name in ("submit", "close"):
        if name in view and view.get("type") == "modal":
            checker.text(view[name], f"view {name}", t.MAX_VIEW_TEXT, plain_only=True)
    checker.length(
        view.get("callback_id"), "view", "callback_id", t.MAX_CALLBACK_ID, required=False
    )
    checker.length(
        view.get("private_metadata"),
        "view",
        "private_metadata",
        t.MAX_PRIVATE_METADATA,
        required=False,
    )
    size = len(json.dumps(view, ensure_ascii=True))
    if size >= t.MAX_VIEW_BYTES:
        checker.fail("view", f"{size} bytes of JSON (max {t.MAX_VIEW_BYTES})")
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        return [*checker.problems, "view: blocks is not a list"]
    return checker.problems + check_blocks(blocks, "modal")
