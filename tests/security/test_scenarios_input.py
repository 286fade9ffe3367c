"""Scenarios 1-8 (reliability-security.md §5): what a person types into `/profile`.

Every input goes over real HTTP as a signed slash command into the running app. A refused input
is answered in the ack itself (an ephemeral message), sends nothing to Segment, posts nothing to
the response_url and writes exactly one audit record with outcome `invalid_input`.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.security.checks import (
    assert_acked,
    assert_no_record,
    assert_no_upstream,
    fresh,
    only_record,
)
from tests.support.harness import JANE, MEMBER, BotHarness, card_text, has_button


def refused(bot: BotHarness, text: str, says: str, code: str) -> None:
    """Send `text`; assert the refusal `says` in the ack and everything a refusal implies."""
    mark = fresh(bot)
    sent = bot.post_command(text)
    assert_acked(sent)
    ack = sent.json()
    assert ack["response_type"] == "ephemeral"
    assert says in card_text(ack), card_text(ack)[:500]
    record = only_record(mark, action="lookup", outcome="invalid_input", detail=code)
    assert record["user_id"] == MEMBER
    assert record["id_hash"] is None  # nothing valid was typed, so nothing is hashed
    assert_no_upstream(bot)
    assert mark.new_responses() == []


def looked_up(bot: BotHarness, text: str, segment: str) -> dict[str, Any]:
    """Send `text`; assert it reached Segment as exactly `segment`; return the card.

    Use a bot of its own: a shared one may answer from its profile cache."""
    mark = fresh(bot)
    sent = bot.post_command(text)
    assert_acked(sent)
    assert "Looking up" in card_text(sent.json())
    card = bot.wait_response(sent.response_url)
    assert card["response_type"] == "ephemeral"
    segments = {r.segment for r in bot.sandbox.requests() if r.collection == "users"}
    assert segments == {segment}, segments
    only_record(mark, action="lookup")
    return card


def test_s01_path_traversal_identifier_rejected(shared_bot: BotHarness) -> None:
    refused(
        shared_bot,
        "user_id:../../../v1/spaces/OTHER/collections/users/profiles/user_id:x",
        "That doesn't look like a valid user_id",
        "bad_value",
    )


@pytest.mark.parametrize("text", ["user_id:a?limit=200&include=ssn", "user_id:a#x", "user_id:a/b"])
def test_s02_query_fragment_slash_rejected(shared_bot: BotHarness, text: str) -> None:
    refused(shared_bot, text, "That doesn't look like a valid user_id", "bad_value")


@pytest.mark.parametrize(
    "text", ["user_id:%2Fetc", "user_id:%2e%2e", "user_id:%00", "phone:%2B15555550123"]
)
def test_s03_pre_encoded_input_rejected(shared_bot: BotHarness, text: str) -> None:
    refused(shared_bot, text, "Type the raw value", "encoded")
    assert "+15555550123" in card_text(shared_bot.acks[-1][1])  # the raw form to type instead


@pytest.mark.parametrize(
    ("text", "segment", "says"),
    [
        ("+15555550123", "phone:%2B15555550123", "Carlos Mendoza"),
        ("phone:+1 (555) 555-0123", "phone:%2B15555550123", "Carlos Mendoza"),
        ("phone:+44 20 7946 0958", "phone:%2B442079460958", "phone:+442079460958"),
    ],
)
def test_s04_valid_phone_normalised_and_encoded(
    bot: BotHarness, text: str, segment: str, says: str
) -> None:
    card = looked_up(bot, text, segment)
    assert says in card_text(card)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("ｕｓｅｒ＿ｉｄ:．．／x", "bad_value"),  # NFKC makes it user_id:../x
        ("user_id:abc\u202egpj.exe", "control_characters"),  # right-to-left override
        ("email:ja\u200bne@example.com", "control_characters"),  # zero-width space
        ("user_id:a\x00b", "control_characters"),
        ("user_id:a\r\nHost: evil.example", "control_characters"),
        ("user_id:a\rb", "control_characters"),
    ],
)
def test_s05_unicode_tricks_rejected(shared_bot: BotHarness, text: str, code: str) -> None:
    says = "valid user_id" if code == "bad_value" else "invisible or control characters"
    refused(shared_bot, text, says, code)


@pytest.mark.parametrize("text", ["", "   ", "help", "x" * 10_000])
def test_s06_empty_help_and_overlong_input(shared_bot: BotHarness, text: str) -> None:
    if len(text) > 256:
        refused(shared_bot, text, "too long to be an id (max 256 characters)", "too_long")
        return
    mark = fresh(shared_bot)
    sent = shared_bot.post_command(text)
    assert_acked(sent, bound=1.5)  # "well under 3 s"
    help_text = card_text(sent.json())
    assert "/profile" in help_text and "email" in help_text
    # Help looks nobody up, so it is not an audited lookup.
    assert_no_record(mark)
    assert_no_upstream(shared_bot)


@pytest.mark.parametrize(
    ("text", "segment"),
    [
        (f"<mailto:{JANE}|{JANE}>", "email:jane%40example.com"),
        ("email:a&amp;b@example.com", "email:a%26b%40example.com"),  # entity unescaped first
    ],
)
def test_s07_slack_markup_unwrapped(bot: BotHarness, text: str, segment: str) -> None:
    card = looked_up(bot, text, segment)
    if "jane" in segment:
        assert "Jane Doe" in card_text(card) and has_button(card, "profile_all_traits")
    else:
        assert "No profile found" in card_text(card)


@pytest.mark.parametrize(
    "text",
    [
        "&lt;x&gt;",
        "<@U123>",
        "<#C123>",
        "<#C123|general>",
        "<https://x|y>",
        "<!channel>",
        "email:&lt;@U123&gt;",
    ],
)
def test_s07_slack_mentions_and_links_rejected(shared_bot: BotHarness, text: str) -> None:
    refused(shared_bot, text, "Mentions, channels and links can't be looked up", "markup")


@pytest.mark.parametrize("text", ["ssn:123-45-6789", "password:x", "segment_id:use_123"])
def test_s08_unknown_or_dangerous_type_rejected(shared_bot: BotHarness, text: str) -> None:
    refused(shared_bot, text, "is not an id type this bot looks up", "unknown_type")
    listed = card_text(shared_bot.acks[-1][1])
    for allowed in shared_bot.settings.id_types:
        assert allowed in listed
