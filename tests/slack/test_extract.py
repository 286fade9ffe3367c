"""Identifiers found in realistic message payloads (slack-platform.md §1.3 shapes)."""

from __future__ import annotations

from bot.identifiers import Identifier, IdentifierParser
from bot.slack.extract import extract_identifiers, message_texts

PARSER = IdentifierParser(["user_id", "email", "anonymous_id", "group_id"], "phone")
JANE = Identifier("email", "jane@example.com")


def rich_text(*elements: dict) -> list[dict]:
    return [
        {
            "type": "rich_text",
            "block_id": "d7eJ",
            "elements": [{"type": "rich_text_section", "elements": list(elements)}],
        }
    ]


def test_thread_reply_with_mailto_in_text_and_blocks() -> None:
    message = {
        "type": "message",
        "user": "U0CUSTOMER1",
        "text": "Hi, my email is <mailto:jane@example.com|jane@example.com> and my order is late",
        "ts": "1699999999.000200",
        "thread_ts": "1699999000.000100",
        "blocks": rich_text(
            {"type": "text", "text": "Hi, my email is "},
            {"type": "link", "url": "mailto:jane@example.com", "text": "jane@example.com"},
            {"type": "text", "text": " and my order is late"},
        ),
    }
    assert extract_identifiers(message, PARSER) == [JANE]


def test_blocks_only_message_with_tel_link() -> None:
    message = {
        "text": "",
        "blocks": rich_text(
            {"type": "text", "text": "Call me at "},
            {"type": "link", "url": "tel:+15555550123", "text": "+1 555 555 0123"},
        ),
    }
    assert extract_identifiers(message, PARSER) == [Identifier("phone", "+15555550123")]


def test_email_split_across_styled_text_elements() -> None:
    message = {
        "blocks": rich_text(
            {"type": "text", "text": "reach me at jane"},
            {"type": "text", "text": "@example.com", "style": {"bold": True}},
        )
    }
    assert extract_identifiers(message, PARSER) == [JANE]


def test_several_identifiers_in_order_without_duplicates() -> None:
    message = {
        "text": "Old <mailto:jane@example.com|jane@example.com>, new carlos@example.org, "
        "user_id:u_123, phone +15555550123, jane@example.com again",
    }
    assert extract_identifiers(message, PARSER) == [
        JANE,
        Identifier("email", "carlos@example.org"),
        Identifier("user_id", "u_123"),
        Identifier("phone", "+15555550123"),
    ]


def test_shared_message_attachment() -> None:
    message = {
        "text": "see below",
        "attachments": [
            {
                "is_share": True,
                "fallback": "[November 1st] Jane: my email is jane@example.com",
                "text": "my email is jane@example.com",
                "message_blocks": [
                    {
                        "message": {
                            "blocks": rich_text(
                                {"type": "text", "text": "my id is "},
                                {"type": "text", "text": "anonymous_id:5c1d-aa"},
                            )
                        }
                    }
                ],
            }
        ],
    }
    assert extract_identifiers(message, PARSER) == [JANE, Identifier("anonymous_id", "5c1d-aa")]


def test_bot_message_with_section_blocks() -> None:
    message = {
        "bot_id": "B0ZENDESK",
        "subtype": "bot_message",
        "text": "New ticket",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": "*Requester*"}},
            {
                "type": "section",
                "fields": [{"type": "mrkdwn", "text": "*Email*\n<mailto:a@b.co|a@b.co>"}],
            },
        ],
    }
    assert extract_identifiers(message, PARSER) == [Identifier("email", "a@b.co")]


def test_html_entities_and_web_links_and_mentions() -> None:
    message = {
        "text": "&lt;jane@example.com&gt; via <https://crm.example.com/u?e=x@y.co|CRM> cc <@U123>",
        "blocks": rich_text(
            {"type": "link", "url": "https://crm.example.com/u?e=x@y.co", "text": "CRM"},
            {"type": "user", "user_id": "U123"},
        ),
    }
    assert extract_identifiers(message, PARSER) == [JANE]


def test_nothing_found_and_garbage_shapes() -> None:
    assert extract_identifiers({"text": "my order is late"}, PARSER) == []
    assert extract_identifiers({}, PARSER) == []
    weird = {"text": None, "blocks": "nope", "attachments": [None, 3, {"fields": "x"}]}
    assert extract_identifiers(weird, PARSER) == []
    assert message_texts(weird) == []


def test_limit() -> None:
    text = " ".join(f"user{i}@example.com" for i in range(30))
    assert len(extract_identifiers({"text": text}, PARSER, limit=5)) == 5
