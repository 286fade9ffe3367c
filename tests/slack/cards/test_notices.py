"""Loading, help, invalid input, refusals, notices, picker and identifier-entry modals."""

from __future__ import annotations

import pytest

from bot.identifiers import Identifier, IdentifierParser
from bot.slack import component_ids as ids
from bot.slack.cards import (
    build_access_unavailable_message,
    build_denied_message,
    build_enter_identifier_view,
    build_help_message,
    build_invalid_input_message,
    build_loading_message,
    build_loading_view,
    build_notice_message,
    build_notice_view,
    build_pick_identifier_view,
)
from tests.support.blockkit import all_texts, assert_valid_message, assert_valid_view

PARSER = IdentifierParser(("user_id", "email", "anonymous_id", "group_id"))


def _text(payload) -> str:
    return "\n".join(all_texts(payload))


def test_loading_message_and_view():
    msg = build_loading_message(Identifier("email", "a&b@acme.com"))
    assert_valid_message(msg)
    assert "Looking up *email:a&amp;b@acme.com* …" in _text(msg)
    assert msg["text"] == "Looking up the customer…"
    view = build_loading_view()
    assert_valid_view(view)
    assert view["callback_id"] == ids.PROFILE_VIEW
    assert_valid_view(build_loading_view("<!here> " * 500))


def test_help_lists_examples_and_types():
    msg = build_help_message(PARSER.usage_examples(), PARSER.id_types)
    assert_valid_message(msg)
    text = _text(msg)
    assert "• `/profile jane@acme.com`" in text and "`phone`" in text
    assert "Look up customer" in text
    assert_valid_message(build_help_message([], []))


def test_invalid_input_escapes_the_reason():
    msg = build_invalid_input_message("`<!channel>` is not an id type", PARSER.usage_examples())
    assert_valid_message(msg)
    assert "`&lt;!channel&gt;` is not an id type" in _text(msg)
    assert "Accepted, for example: `jane@acme.com`" in _text(msg)


def test_notices_are_escaped():
    msg = build_notice_message("Sharing is off <@U1> & <!here>")
    assert_valid_message(msg)
    assert "&lt;@U1&gt; &amp; &lt;!here&gt;" in _text(msg)
    view = build_notice_view("A very long title that will not fit", "x" * 10_000)
    assert_valid_view(view)
    assert len(view["title"]["text"]) == 24


def test_denied_names_groups_without_pinging_them():
    msg = build_denied_message(["@cs-team", "<!subteam^S123|support>"])
    assert_valid_message(msg)
    text = _text(msg)
    assert "*@cs-team*" in text and "&lt;!subteam^S123|support&gt;" in text
    assert "No Slack user group" in _text(build_denied_message([]))
    assert "and 5 more" in _text(build_denied_message([f"g{i}" for i in range(15)]))


def test_access_unavailable_fails_closed():
    msg = build_access_unavailable_message("Slack said ratelimited")
    assert_valid_message(msg)
    assert "can't check your access right now (Slack said ratelimited)" in _text(msg)


@pytest.mark.parametrize("count", [2, 20, 35])
def test_picker_has_one_button_per_identifier(count):
    idents = [Identifier("email", f"p{i}@acme.com") for i in range(count)]
    view = build_pick_identifier_view(idents, private_metadata="ctx")
    assert_valid_view(view)
    values = [
        b["accessory"]["value"]
        for b in view["blocks"]
        if b.get("accessory", {}).get("action_id") == ids.PICK_IDENTIFIER
    ]
    assert values == [str(i) for i in range(min(count, 20))]
    assert view["private_metadata"] == "ctx"
    assert any(
        e["action_id"] == ids.TYPE_IDENTIFIER
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    )


def test_enter_identifier_view():
    note = (
        "This message has no email or phone; the author's email is hidden because the app "
        "lacks users:read.email"
    )
    view = build_enter_identifier_view(private_metadata="ctx", note=note)
    assert_valid_view(view)
    assert view["callback_id"] == ids.ENTER_IDENTIFIER_VIEW
    block = next(b for b in view["blocks"] if b["type"] == "input")
    assert block["block_id"] == ids.IDENTIFIER_INPUT_BLOCK
    assert block["element"]["action_id"] == ids.IDENTIFIER_INPUT_ACTION
    assert "users:read.email" in _text(view)
    assert_valid_view(build_enter_identifier_view(private_metadata=""))


def test_private_metadata_over_the_limit_is_refused():
    with pytest.raises(ValueError, match="private_metadata"):
        build_enter_identifier_view(private_metadata="x" * 3001)
