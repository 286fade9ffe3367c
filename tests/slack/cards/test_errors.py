"""Error cards for each kind of failed lookup: friendly, with Segment's Request-Id, no detail."""

from __future__ import annotations

import json

import pytest

from bot.identifiers import Identifier
from bot.segment.errors import ErrorKind, ProfileApiError
from bot.slack import component_ids as ids
from bot.slack.cards import build_error_message, build_error_view
from tests.support.blockkit import all_texts, assert_valid_message, assert_valid_view

JANE = Identifier("email", "jane@acme.com")


def _text(payload) -> str:
    return "\n".join(all_texts(payload))


@pytest.mark.parametrize("kind", list(ErrorKind))
def test_every_kind_gives_a_valid_card_without_detail(kind):
    error = ProfileApiError(
        kind, "Traceback (most recent call last) secret-detail", status=502, request_id="rq-77"
    )
    for ident in (JANE, None):
        msg = build_error_message(error, ident)
        assert_valid_message(msg)
        view = build_error_view(error, ident)
        assert_valid_view(view)
        assert view["callback_id"] == ids.PROFILE_VIEW
        dumped = json.dumps([msg, view])
        assert "secret-detail" not in dumped and "Traceback" not in dumped
        assert "jane@acme.com" not in msg["text"]


def test_not_found_names_the_identifier_and_hints():
    text = _text(build_error_message(ProfileApiError(ErrorKind.NOT_FOUND), JANE))
    assert "No profile found for *email:jane@acme.com* in Segment." in text
    assert "lowercase" in text and "user_id:" in text
    assert "No profile found for that customer" in _text(
        build_error_message(ProfileApiError(ErrorKind.NOT_FOUND), None)
    )


def test_unauthorized_tells_to_ask_the_admin_and_nothing_more():
    error = ProfileApiError(
        ErrorKind.UNAUTHORIZED, "authentication_error", status=401, request_id="r"
    )
    msg = build_error_message(error, JANE)
    assert _text(msg) == ":lock: The bot's Segment token or space is wrong — tell your Slack admin."


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [
        (7.2, "try again in ~8 s"),
        (None, "try again in a moment"),
        (float("nan"), "a moment"),
        (-3, "a moment"),
        (1e12, "~3,600 s"),
    ],
)
def test_rate_limited_says_when_to_retry(retry_after, expected):
    error = ProfileApiError(ErrorKind.RATE_LIMITED, retry_after=retry_after)
    text = _text(build_error_message(error, JANE))
    assert text.startswith(":hourglass: Segment is busy, ") and expected in text


@pytest.mark.parametrize(
    ("kind", "phrase"),
    [
        (ErrorKind.UPSTREAM, "Segment had a problem answering"),
        (ErrorKind.TIMEOUT, "Segment didn't answer in time"),
        (ErrorKind.CIRCUIT_OPEN, "pausing calls to Segment"),
        (ErrorKind.MALFORMED, "couldn't read"),
        (ErrorKind.TOO_LARGE, "too large"),
        (ErrorKind.INVALID_REQUEST, "rejected"),
    ],
)
def test_upstream_kinds_are_friendly_with_request_id(kind, phrase):
    text = _text(build_error_message(ProfileApiError(kind, status=503, request_id="abc-123"), JANE))
    assert phrase in text and "Segment Request-Id: abc-123" in text


def test_hostile_request_id_is_escaped_and_cut():
    error = ProfileApiError(ErrorKind.UPSTREAM, request_id="<!channel>" + "x" * 500)
    msg = build_error_message(error, None)
    assert_valid_message(msg)
    assert "&lt;!channel&gt;" in _text(msg) and "x" * 100 not in _text(msg)
