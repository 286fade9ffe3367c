"""Escaping, visible truncation, value formatting, date tokens and the limit checker."""

from __future__ import annotations

import pytest

from bot.slack.cards import text as t
from bot.slack.cards.text import (
    date_token,
    escape_mrkdwn,
    format_value,
    iso_to_epoch,
    text_length,
    truncate,
    truncate_mrkdwn,
)
from bot.trait_policy import TraitPolicy
from tests.support.block_limits import check_blocks, check_message, check_view
from tests.support.blockkit import live_markup_problems


def test_escape_mrkdwn_defeats_every_control_sequence():
    for hostile in ("<!channel>", "<@U1>", "<#C1>", "<!subteam^S1>", "<https://x|click>"):
        escaped = escape_mrkdwn(hostile)
        assert "<" not in escaped and ">" not in escaped
        assert live_markup_problems(escaped) == []
    assert escape_mrkdwn("a & b") == "a &amp; b"
    assert escape_mrkdwn("&lt;") == "&amp;lt;"  # shown literally, not decoded into "<"


def test_escape_replaces_controls_and_lone_surrogates():
    assert escape_mrkdwn("a\x00b\ud800c\td\ne") == "a\ufffdb\ufffdc\td\ne"


def test_truncate_is_visible_and_counts_utf16_units():
    assert truncate("abc", 3) == "abc"
    assert truncate("abcdef", 4) == "abc…"
    emoji = "😀" * 10  # 2 UTF-16 units each
    cut = truncate(emoji, 7)
    assert cut == "😀😀😀…" and text_length(cut) == 7
    assert text_length(truncate("x" * 100_000, 3000)) == 3000


def test_truncate_mrkdwn_never_splits_entities_or_tokens():
    safe = escape_mrkdwn("<<<<<") + date_token(0)
    for limit in range(1, len(safe) + 2):
        cut = truncate_mrkdwn(safe, limit)
        assert text_length(cut) <= limit
        assert live_markup_problems(cut) == []
        body = cut.removesuffix("…")
        assert body.count("&") == body.count(";")  # whole entities only


def test_date_token_has_escaped_fallback():
    token = date_token(1_700_000_000, "<!here>|x")
    assert token.startswith("<!date^1700000000^{date_short_pretty} at {time}|")
    assert live_markup_problems(token) == []
    assert date_token(0).endswith("|1970-01-01 00:00 UTC>")
    assert date_token(float("nan")) == "an unknown time"
    assert date_token(1e13, "<soon>") == "&lt;soon&gt;"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-06-01T12:00:00Z", 1_717_243_200.0),
        ("2024-06-01T14:00:00+02:00", 1_717_243_200.0),
        ("2024-06-01 12:00", 1_717_243_200.0),
        ("2024-06-01", None),  # a date alone has no time zone: shown as written
        ("not a date", None),
        ("2024-13-01T00:00:00Z", None),
        ("9999-12-31T23:59:59+00:00", 253_402_300_799.0),
        ("0001-01-01T00:00:00Z", None),
    ],
)
def test_iso_to_epoch(text, expected):
    assert iso_to_epoch(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "—"),
        (True, "Yes"),
        (False, "No"),
        (1234567, "1,234,567"),
        (-5, "-5"),
        (1.5, "1.5"),
        (2.0, "2"),
        (1234.56789, "1,234.56789"),
        (0.1 + 0.2, "0.3"),
        (1e20, "1e+20"),
        (float("nan"), "NaN"),
        (float("inf"), "∞"),
        ("", "_(empty)_"),
        ("  \n ", "_(blank)_"),
        ("two\nlines", "two lines"),
        ([], "_(none)_"),
        ([1, 2, 3], "1, 2, 3"),
        (list(range(8)), "0, 1, 2, 3, 4 +3 more"),
        ({}, "_(empty)_"),
        ({"city": "Paris", "zip": 75001}, "city: Paris, zip: 75,001"),
        ({"a": {"b": {"c": 1}}}, "a: b: {1 key}"),
        ({"a": [[1, 2]]}, "a: [2 items]"),
        ("<!channel>", "&lt;!channel&gt;"),
    ],
)
def test_format_value(value, expected):
    assert format_value(value) == expected


def test_format_value_iso_timestamp_becomes_date_token():
    assert format_value("2024-06-01T12:00:00Z") == date_token(1_717_243_200)


def test_format_value_huge_inputs_stay_bounded():
    assert format_value(10**5000) == "a number with about 5,001 digits"
    assert format_value(-(10**40)).startswith("-a number")
    long = format_value("x" * 1_000_000, limit=100)
    assert text_length(long) == 100 and long.endswith("…")
    deep: object = 1
    for _ in range(100_000):
        deep = [deep]
    assert format_value(deep) == "[1 item]"
    assert format_value(list(range(10**6))).endswith("+999,995 more")


def test_format_value_hides_nested_hidden_keys():
    policy = TraitPolicy(("*password*", "*credit_card*"), ())
    value = {"user": "x", "creditCard": "4111", "nested": {"password": "p", "ok": 1}}
    shown = format_value(value, is_hidden=policy.is_hidden)
    assert "4111" not in shown and "p," not in shown and "ok: 1" in shown


def test_format_value_truncation_keeps_tokens_whole():
    value = ["2024-06-01T12:00:00Z"] * 5
    for limit in (10, 60, 100, 200):
        assert live_markup_problems(format_value(value, limit=limit)) == []


def _section(text):
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def _button(text="Go", value="v", action_id="a"):
    return {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text},
        "value": value,
    }


@pytest.mark.parametrize(
    ("blocks", "surface", "needle"),
    [
        ([_section("x")] * 51, "message", "51 blocks"),
        ([_section("x")] * 101, "modal", "101 blocks"),
        ([_section("x" * 3001)], "message", "max 3000"),
        ([_section("")], "message", "empty"),
        (
            [{"type": "section", "fields": [{"type": "mrkdwn", "text": "x"}] * 11}],
            "message",
            "fields",
        ),
        (
            [{"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * 2001}]}],
            "message",
            "max 2000",
        ),
        (
            [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}],
            "message",
            "max 150",
        ),
        (
            [{"type": "header", "text": {"type": "mrkdwn", "text": "x"}}],
            "message",
            "not allowed",
        ),
        ([{"type": "actions", "elements": [_button("x" * 76)]}], "message", "max 75"),
        ([{"type": "actions", "elements": [_button(value="v" * 2001)]}], "message", "max 2000"),
        ([{"type": "actions", "elements": [_button()] * 26}], "message", "1-25"),
        ([{"type": "actions", "elements": [_button(), _button()]}], "message", "repeat"),
        (
            [{"type": "context", "elements": [{"type": "mrkdwn", "text": "x"}] * 11}],
            "message",
            "1-10",
        ),
        ([{**_section("x"), "block_id": "b" * 256}], "message", "block_id"),
        ([{**_section("x"), "block_id": "b"}] * 2, "message", "block_ids repeat"),
        ([_section("x" * 2900)] * 4, "message", "characters of text"),
        ([{"type": "image"}], "message", "not one the cards use"),
        ([], "modal", "at least one block"),
    ],
)
def test_check_blocks_reports_each_violation(blocks, surface, needle):
    problems = check_blocks(blocks, surface)
    assert any(needle in p for p in problems), problems


def test_check_blocks_accepts_a_good_message():
    blocks = [_section("hello"), {"type": "divider"}, {"type": "actions", "elements": [_button()]}]
    assert check_blocks(blocks, "message") == []
    assert check_message({"text": "fallback", "blocks": blocks}) == []


def test_check_message_needs_fallback_text():
    assert check_message({"blocks": [_section("x")]})


def test_check_view_limits():
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "x" * 25},
        "close": {"type": "plain_text", "text": "y" * 25},
        "private_metadata": "m" * 3001,
        "blocks": [_section("x" * 2900)] * 100,
    }
    problems = check_view(view)
    for needle in ("view title", "view close", "private_metadata", "bytes of JSON"):
        assert any(needle in p for p in problems), (needle, problems)
    huge = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "ok"},
        "blocks": [_section("é" * 2900)] * 20,  # 6 bytes per char once ASCII-escaped
    }
    assert any("bytes of JSON" in p for p in check_view(huge))


def test_limit_constants_match_slack_sdk():
    from slack_sdk.models.blocks import ActionsBlock, ContextBlock, HeaderBlock, SectionBlock
    from slack_sdk.models.views import View

    assert SectionBlock.text_max_length == t.MAX_SECTION_TEXT
    assert SectionBlock.fields_max_length == t.MAX_FIELDS
    assert HeaderBlock.text_max_length == t.MAX_HEADER_TEXT
    assert ContextBlock.elements_max_length == t.MAX_CONTEXT_ELEMENTS
    assert ActionsBlock.elements_max_length == t.MAX_ACTIONS_ELEMENTS
    assert View.blocks_max_length == t.MAX_MODAL_BLOCKS
    assert View.title_max_length == t.MAX_VIEW_TEXT
    assert View.private_metadata_max_length == t.MAX_PRIVATE_METADATA
