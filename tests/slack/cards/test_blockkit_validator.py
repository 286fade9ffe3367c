"""The shared validator in tests/support/blockkit.py must fail on what Slack would misread."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackObjectFormationError

from bot.slack.cards.text import date_token
from tests.support.blockkit import assert_valid_message, assert_valid_view


def _msg(text, *, verbatim=True, fallback="ok"):
    obj = {"type": "mrkdwn", "text": text}
    if verbatim is not None:
        obj["verbatim"] = verbatim
    return {"text": fallback, "blocks": [{"type": "section", "text": obj}]}


@pytest.mark.parametrize(
    "text",
    [
        "<!channel>",
        "hi <!here|here>",
        "<@U123>",
        "<#C123>",
        "<!subteam^S1>",
        "<https://x|click>",
        "<mailto:a@b.co|a>",
        "a > b",
        "a < b",
    ],
)
def test_live_markup_in_mrkdwn_fails(text):
    with pytest.raises(AssertionError):
        assert_valid_message(_msg(text))


def test_our_tokens_pass():
    assert_valid_message(_msg(f"fetched {date_token(1_700_000_000)} &lt;!channel&gt;"))
    assert_valid_message(_msg("Shared by <@U123>"), allowed_mentions={"U123"})
    with pytest.raises(AssertionError):
        assert_valid_message(_msg("Shared by <@U999>"), allowed_mentions={"U123"})


def test_mrkdwn_must_be_verbatim():
    with pytest.raises(AssertionError, match="verbatim"):
        assert_valid_message(_msg("plain words", verbatim=None))


def test_fallback_text_is_checked_too():
    with pytest.raises(AssertionError):
        assert_valid_message(_msg("ok", fallback="<!channel> look"))
    with pytest.raises(AssertionError):
        assert_valid_message({"blocks": _msg("ok")["blocks"]})


def test_slack_sdk_validation_runs():
    bad_style = {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "action_id": "a",
                "style": "fancy",
                "text": {"type": "plain_text", "text": "Go"},
            }
        ],
    }
    with pytest.raises(SlackObjectFormationError):
        assert_valid_message({"text": "ok", "blocks": [bad_style]})


def test_view_checks():
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "T"},
        "blocks": _msg("<!here>")["blocks"],
    }
    with pytest.raises(AssertionError):
        assert_valid_view(view)
    view["blocks"] = _msg("fine")["blocks"]
    assert_valid_view(view)
    view["title"] = {"type": "plain_text", "text": "x" * 30}
    with pytest.raises(AssertionError):
        assert_valid_view(view)
