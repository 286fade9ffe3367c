"""The terminal rendering `profile-bot demo` prints: Slack's markup resolved the way Slack shows
it, every block kind the cards use, and a real card from the real app."""

from __future__ import annotations

import re

from bot.demo import run_lookup
from bot.terminal_card import WIDTH, mrkdwn_to_text, render_blocks, render_message


def _mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


def test_mrkdwn_markup_becomes_what_slack_shows() -> None:
    assert mrkdwn_to_text("<!date^1700000000^{date_short}|Nov 14, 2023>") == "Nov 14, 2023"
    assert mrkdwn_to_text("<https://app.segment.com/x|Open in Segment>") == "Open in Segment"
    assert mrkdwn_to_text("<mailto:jane@example.com>") == "mailto:jane@example.com"
    assert mrkdwn_to_text("shared by <@U0MEMBER1>") == "shared by @U0MEMBER1"
    assert mrkdwn_to_text("*Plan*\nenterprise") == "Plan\nenterprise"
    assert mrkdwn_to_text("2*3*4") == "2*3*4"  # not emphasis inside a word


def test_escapes_are_undone_once_and_only_slacks_three() -> None:
    # What an escaped trait value looks like on the card, and what Slack then displays.
    assert mrkdwn_to_text("&lt;!channel&gt; &amp; co") == "<!channel> & co"
    assert mrkdwn_to_text("&amp;lt;b&amp;gt;") == "&lt;b&gt;"
    assert mrkdwn_to_text("&copy; &quot;") == "&copy; &quot;"


def test_emoji_shortcodes_as_slack_shows_them() -> None:
    assert mrkdwn_to_text(":mag: :lock: :unknown_code:") == "🔍 🔒 :unknown_code:"
    plain = {"type": "plain_text", "text": ":x: Jane", "emoji": False}
    header = render_blocks([{"type": "header", "text": plain}])
    assert ":x: Jane" in header  # emoji: false keeps the text as typed


def test_every_block_kind_the_cards_use() -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Jane Doe"}},
        {"type": "context", "elements": [_mrkdwn(":mag: email:jane"), _mrkdwn("cached")]},
        {"type": "divider"},
        {"type": "section", "fields": [_mrkdwn("*Company*\nAcme Corp"), _mrkdwn("*Plan*\nfree")]},
        {
            "type": "section",
            "text": _mrkdwn("*Audiences*"),
            "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Open"}},
        },
        {
            "type": "actions",
            "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": "All traits"}},
                {"type": "button", "text": {"type": "plain_text", "text": "Share"}},
            ],
        },
        {"type": "input", "label": {"type": "plain_text", "text": "Identifier"}},
    ]
    lines = render_blocks(blocks).splitlines()
    assert lines[0:2] == ["  Jane Doe", "  ════════"]
    assert "    🔍 email:jane · cached" in lines
    assert "  " + "─" * (WIDTH - 2) in lines
    assert any(re.fullmatch(r"  Company +Acme Corp", line) for line in lines)
    assert any(re.fullmatch(r"  Plan +free", line) for line in lines)
    assert "  [ Open ]" in lines
    assert "  [ All traits ]  [ Share ]" in lines
    assert "  Identifier: [______________]" in lines


def test_long_text_wraps_to_the_terminal_width() -> None:
    text = " ".join(["word"] * 60)
    lines = render_blocks([{"type": "section", "text": _mrkdwn(text)}]).splitlines()
    assert len(lines) > 1 and all(len(line) <= WIDTH for line in lines)


def test_a_message_without_blocks_shows_its_text() -> None:
    assert render_message({"text": "*Busy* right now"}) == "  Busy right now"


def test_a_real_card_reads_cleanly() -> None:
    result, others = run_lookup("email:jane@example.com")
    assert result.card is not None and others
    text = render_message(result.card)
    assert text.startswith("  Jane Doe\n")
    for value in ("Acme Corp", "enterprise", "VP of Operations", "high_value_user"):
        assert value in text
    # No Slack markup survives: no <…|…> links, date tokens, *bold* markers or escapes.
    assert not re.search(r"<[^>]*\|[^>]*>|<!date|&lt;|&gt;|&amp;|\*\w", text)
    assert all(len(line) <= WIDTH for line in text.splitlines())


def test_lists_of_items_wrap_between_items_and_never_orphan_the_last() -> None:
    line = (
        "*Invoice Paid* · 2026-11-28 23:04 UTC · invoice_id: inv_20931 · amount: 1,890 · "
        "currency: USD"
    )
    lines = render_blocks([{"type": "section", "text": _mrkdwn(line)}]).splitlines()
    assert lines == [
        "  Invoice Paid · 2026-11-28 23:04 UTC · invoice_id: inv_20931",
        "      amount: 1,890 · currency: USD",
    ]
    # One item too long for a line is cut at a word, not inside one.
    long = "*Note* · " + " ".join(["word"] * 30) + " · end: 1"
    wrapped = render_blocks([{"type": "section", "text": _mrkdwn(long)}]).splitlines()
    assert all(len(row) <= WIDTH for row in wrapped)
    assert all(row.strip().split(" ")[0] in ("Note", "word", "end:") for row in wrapped)


def test_the_demo_card_has_no_orphaned_items() -> None:
    result, _ = run_lookup("email:jane@example.com")
    assert result.card is not None
    rows = render_message(result.card).splitlines()
    assert not any(row.strip().startswith("·") for row in rows)
    assert "      amount: 1,890 · currency: USD" in rows
