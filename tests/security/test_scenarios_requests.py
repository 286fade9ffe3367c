"""Scenarios 13-15 (reliability-security.md §5): is this request really from Slack, and new?

Every request travels the real path: HTTP into the WSGI app, the hardening guard, Bolt's
signature check and the dedupe middleware, then (when it gets that far) the access gate.
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest

from bot.logs import configure_logging
from bot.sandbox import credentials as test_secrets
from bot.sandbox.signing import command_body, sign_headers
from tests.security.checks import (
    ACK_BOUND_SECONDS,
    assert_no_record,
    assert_no_upstream,
    fresh,
    only_record,
)
from tests.support.harness import (
    CHANNEL,
    COLLEAGUE,
    JANE,
    LEGACY_TOKEN,
    MEMBER,
    BotHarness,
    Sent,
    card_text,
)
from tests.support.logging_state import preserved_logging


@contextlib.contextmanager
def debug_log() -> Iterator[io.StringIO]:
    """The bot's production log configuration at DEBUG, written to a string."""
    stream = io.StringIO()
    with preserved_logging():
        configure_logging("DEBUG", stream=stream, secrets=[s for _, s in test_secrets.SECRETS])
        yield stream


# -- 13: forged requests ------------------------------------------------------------------------


def _forge(kind: str, body: str) -> tuple[str, dict[str, str]]:
    secret = test_secrets.SLACK_SIGNING_SECRET
    if kind == "wrong_signature":
        return body, sign_headers(test_secrets.SLACK_OTHER_SIGNING_SECRET, body)
    headers = sign_headers(secret, body)
    if kind == "missing_timestamp":
        del headers["X-Slack-Request-Timestamp"]
    elif kind == "missing_signature":
        del headers["X-Slack-Signature"]
    elif kind == "missing_both":
        del headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    elif kind == "non_numeric_timestamp":
        headers["X-Slack-Request-Timestamp"] = "abc"
    elif kind == "body_edited_after_signing":
        body = body.replace("U0MEMBER1", "U0MEMBER2")
    return body, headers


@pytest.mark.parametrize(
    "kind",
    [
        "wrong_signature",
        "missing_timestamp",
        "missing_signature",
        "missing_both",
        "non_numeric_timestamp",
        "body_edited_after_signing",
    ],
)
def test_s13_forged_request_refused(bot: BotHarness, kind: str) -> None:
    mark = fresh(bot)
    url = bot.slack.new_response_url()
    body = command_body(f"email:{JANE}", user_id=MEMBER, channel_id=CHANNEL, response_url=url)
    body, headers = _forge(kind, body)
    with debug_log() as log:
        started = time.monotonic()
        response = bot.http.post("/slack/events", content=body.encode(), headers=headers)
        elapsed = time.monotonic() - started
    assert response.status_code == 401, response.text
    assert response.json() == {"error": "invalid request"}
    assert elapsed < ACK_BOUND_SECONDS
    # No listener ran: no audit record, no Slack call at all (not even the access check), no
    # Segment request, nothing posted to the response_url.
    assert_no_record(mark)
    assert bot.slack.calls() == []
    assert_no_upstream(bot)
    assert bot.slack.responses() == []
    # The body (typed identifier, response_url) is not logged, at any level.
    output = log.getvalue()
    for needle in ("jane", "%40example", "/response/", url):
        assert needle not in output


# -- 14: replays and Slack's retries ------------------------------------------------------------


def test_s14_replay_dropped_and_stale_refused(bot: BotHarness) -> None:
    mark = fresh(bot)
    url = bot.slack.new_response_url()
    body = command_body(f"email:{JANE}", user_id=MEMBER, channel_id=CHANNEL, response_url=url)
    headers = sign_headers(test_secrets.SLACK_SIGNING_SECRET, body)
    first = bot.http.post("/slack/events", content=body.encode(), headers=headers)
    assert "Looking up" in card_text(first.json())
    bot.wait_response(url)
    only_record(mark, action="lookup", outcome="shown")
    upstream = bot.sandbox.request_count()

    # The same signed request again, within the 5-minute window: dropped without work.
    replay = bot.http.post("/slack/events", content=body.encode(), headers=headers)
    assert replay.status_code == 200 and replay.text == ""
    bot.settle()
    time.sleep(0.1)
    assert len(bot.audit_records()) == 1
    assert bot.sandbox.request_count() == upstream
    assert len(bot.slack.responses(url)) == 1

    # A request signed 301 s ago: outside the window, refused before Bolt.
    stale_url = bot.slack.new_response_url()
    stale = command_body("email:tom.becker@example.org", user_id=MEMBER, response_url=stale_url)
    response, _, _ = bot.send(stale, timestamp=int(time.time()) - 301)
    assert response.status_code == 401
    bot.settle()
    assert len(bot.audit_records()) == 1
    assert bot.sandbox.request_count() == upstream
    assert bot.slack.responses(stale_url) == []


def _resend_as_retry(bot: BotHarness, sent: Sent) -> httpx.Response:
    """Slack's retry of `sent`: the same body, signed again with a new timestamp."""
    retry_headers = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    later = int(sent.headers["X-Slack-Request-Timestamp"]) + 3
    response, _, _ = bot.send(sent.body, timestamp=later, extra_headers=retry_headers)
    return response


def test_s14_slack_retry_of_a_lookup_is_one_record_and_one_lookup(bot: BotHarness) -> None:
    mark = fresh(bot)
    sent = bot.post_command(f"email:{JANE}")
    bot.wait_response(sent.response_url)
    record = only_record(mark, action="lookup", outcome="shown")
    upstream = bot.sandbox.request_count()
    retry = _resend_as_retry(bot, sent)
    assert retry.status_code == 200
    bot.settle()
    time.sleep(0.1)
    assert bot.audit_records() == [record]
    assert bot.sandbox.request_count() == upstream
    assert len(bot.slack.responses(sent.response_url)) == 1

    # The message shortcut too: one modal, one lookup.
    mark = fresh(bot)
    shortcut = bot.post_shortcut({"type": "message", "user": COLLEAGUE, "text": JANE, "ts": "1.2"})
    bot.wait_view(lambda v: "Jane Doe" in card_text(v))
    only_record(mark, action="lookup", entry_point="shortcut")
    assert _resend_as_retry(bot, shortcut).status_code == 200
    bot.settle()
    time.sleep(0.1)
    assert len(bot.slack.calls("views.open")) == 1
    assert len(mark.new_records()) == 1


# -- 15: the legacy verification token ----------------------------------------------------------


@pytest.mark.parametrize("token", [None, "wrong", LEGACY_TOKEN])
def test_s15_payload_token_field_ignored(bot: BotHarness, token: str | None) -> None:
    url = bot.slack.new_response_url()
    fields = dict(
        parse_qsl(
            command_body(f"email:{JANE}", user_id=MEMBER, channel_id=CHANNEL, response_url=url)
        )
    )
    fields.pop("token")
    if token is not None:
        fields = {"token": token, **fields}
    body = urlencode(fields)

    # With a valid signature the token is irrelevant: the lookup runs.
    mark = fresh(bot)
    response, elapsed, _ = bot.send(body)
    assert response.status_code == 200 and elapsed < ACK_BOUND_SECONDS
    assert "Jane Doe" in card_text(bot.wait_response(url))
    only_record(mark, action="lookup", outcome="shown")

    # Without a valid signature, even the "right" token authenticates nothing.
    mark = fresh(bot)
    response, _, _ = bot.send(body, secret=test_secrets.SLACK_OTHER_SIGNING_SECRET)
    assert response.status_code == 401
    assert_no_record(mark)
    assert_no_upstream(bot)
