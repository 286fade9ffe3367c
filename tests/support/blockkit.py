"""Shared Block Kit checks for tests: our limits, slack_sdk's validators, and no live markup.

Call `assert_valid_message(msg)` / `assert_valid_view(view)` on anything a card builder or a
listener sends to Slack. A third check is strict on purpose: the only `<…>` sequences allowed in
mrkdwn (and in a message's top-level text) are the ones our code builds — date tokens and, when
the caller says so, a mention of given user ids. Any other `<`/`>` means data reached mrkdwn
unescaped, which could ping a channel, a user or a group, or disguise a link.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterator, Mapping
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from tests.support.block_limits import check_message, check_view

_DATE_TOKEN = re.compile(r"<!date\^\d{1,12}\^[^<>|]*\|[^<>]*>")
_MENTION = re.compile(r"<@([A-Z0-9]+)>")
_LIVE = re.compile(r"<\s*(?:!|@|#|https?:|mailto:|tel:)", re.IGNORECASE)


def mrkdwn_texts(payload: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every mrkdwn text object in a message, view or block list, with its text."""
    if isinstance(payload, Mapping):
        if payload.get("type") == "mrkdwn" and isinstance(payload.get("text"), str):
            yield payload["text"], payload
        for value in payload.values():
            yield from mrkdwn_texts(value)
    elif isinstance(payload, list):
        for item in payload:
            yield from mrkdwn_texts(item)


def all_texts(payload: Any) -> Iterator[str]:
    """Every text string (plain_text and mrkdwn) in a payload."""
    if isinstance(payload, Mapping):
        if payload.get("type") in ("mrkdwn", "plain_text") and isinstance(payload.get("text"), str):
            yield payload["text"]
        for value in payload.values():
            yield from all_texts(value)
    elif isinstance(payload, list):
        for item in payload:
            yield from all_texts(item)


def live_markup_problems(text: str, allowed_mentions: Collection[str] = ()) -> list[str]:
    """What in one mrkdwn text is `<…>` markup our code did not build."""
    problems = []
    rest = _DATE_TOKEN.sub("", text)

    def mention(match: re.Match[str]) -> str:
        if match.group(1) in allowed_mentions:
            return ""
        problems.append(f"mention of {match.group(1)} not allowed")
        return ""

    rest = _MENTION.sub(mention, rest)
    if _LIVE.search(rest):
        problems.append(f"live markup in {rest[:200]!r}")
    if "<" in rest or ">" in rest:
        problems.append(f"unescaped < or > in {rest[:200]!r}")
    return problems


def _assert_markup_safe(payload: Mapping[str, Any], allowed_mentions: Collection[str]) -> None:
    problems = []
    for text, obj in mrkdwn_texts(payload.get("blocks", [])):
        if obj.get("verbatim") is not True:
            problems.append(f"mrkdwn without verbatim: {text[:80]!r}")
        problems += live_markup_problems(text, allowed_mentions)
    fallback = payload.get("text")
    if isinstance(fallback, str):
        problems += live_markup_problems(fallback, ())
    assert not problems, problems


def _assert_sdk_valid(blocks: list[Any]) -> None:
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, f"slack_sdk does not know block {block!r:.200}"
        parsed.validate_json()
        parsed.to_dict()  # validates every nested element and text object too


def assert_valid_message(
    message: Mapping[str, Any], *, allowed_mentions: Collection[str] = ()
) -> None:
    """Assert a message dict is within every limit, valid for slack_sdk, and markup-safe."""
    problems = check_message(message)
    assert not problems, problems
    json.dumps(message)
    _assert_sdk_valid(message["blocks"])
    _assert_markup_safe(message, allowed_mentions)


def assert_valid_view(view: Mapping[str, Any], *, allowed_mentions: Collection[str] = ()) -> None:
    """Assert a modal dict is within every limit, valid for slack_sdk, and markup-safe."""
    problems = check_view(view)
    assert not problems, problems
    json.dumps(view)
    sdk_view = View(**view)
    sdk_view.validate_json()
    sdk_view.to_dict()
    _assert_sdk_valid(view["blocks"])
    _assert_markup_safe(view, allowed_mentions)
