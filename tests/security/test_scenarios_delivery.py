"""Scenario 34 (issue 11 §4): the bot posts what Slack asked for only where Slack answers.

A signed request's response_url is still data from the request. Cards and notices go only to
Slack's response_url host or SLACK_API_URL's origin (here the Slack sandbox), in one request that
never follows a redirect; otherwise they reach the person by chat.postEphemeral, and the refusal
is logged without the URL. "Elsewhere" is a loopback server that records every request it gets.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bot.sandbox.signing import command_body
from tests.security.checks import assert_acked, fresh, member_card, warnings_of
from tests.security.test_slack_faults import new_records
from tests.support.harness import (
    CHANNEL,
    JANE,
    MEMBER,
    OUTSIDER,
    BotHarness,
    button,
    card_text,
)

THREAD_MESSAGE = {"type": "message", "user": MEMBER, "text": f"see {JANE}", "ts": "1699.0002"}


class _Recorder(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _RecordingHandler)
        self.seen: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _RecordingHandler(BaseHTTPRequestHandler):
    server: _Recorder

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _record(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        with self.server.lock:
            self.server.seen.append((self.command, self.path))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    do_GET = do_POST = do_PUT = _record


@pytest.fixture
def elsewhere() -> Iterator[_Recorder]:
    """A host that is neither Slack's nor SLACK_API_URL's, recording what reaches it."""
    server = _Recorder()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _command_to(bot: BotHarness, response_url: str) -> None:
    body = command_body(
        f"email:{JANE}", user_id=MEMBER, channel_id=CHANNEL, response_url=response_url
    )
    response, _, _ = bot.send(body)
    assert response.status_code == 200 and "Looking up" in response.text


def _assert_card_by_ephemeral(bot: BotHarness, count: int = 1) -> None:
    post = bot.slack.wait_for_calls("chat.postEphemeral", count)[count - 1]
    assert post.params["channel"] == CHANNEL and post.params["user"] == MEMBER
    assert "Jane Doe" in card_text(post.params)


@pytest.mark.parametrize(
    "where",
    [
        "elsewhere",  # any host at all (a loopback recorder stands for it)
        "https://hooks.slack.com.evil.example/commands/T0/1/x",  # a look-alike
        "https://evil.example@hooks.slack.com/commands/T0/1/x",  # userinfo
        "http://hooks.slack.com/commands/T0/1/x",  # Slack's host, not over https
        "https://hooks.slack.com:8443/commands/T0/1/x",  # Slack's host, another port
    ],
)
def test_s34_card_goes_only_to_slack_response_urls(
    bot: BotHarness, elsewhere: _Recorder, where: str
) -> None:
    url = f"{elsewhere.origin}/commands/T0/1/steal" if where == "elsewhere" else where
    mark = fresh(bot)
    with warnings_of("bot.slack.delivery.messages") as alerts:
        _command_to(bot, url)
        _assert_card_by_ephemeral(bot)
    assert elsewhere.seen == []  # refused URLs are never contacted, not even by DNS
    delivery = new_records(mark, 2)[1]
    assert (delivery["action"], delivery["outcome"]) == ("delivery", "ephemeral_fallback")
    assert delivery["detail"] == "untrusted_response_url"
    assert any("response_url refused" in m for m in alerts.messages), alerts.messages
    for message in alerts.messages:  # logged without the URL
        assert "steal" not in message and "evil" not in message and "8443" not in message
    assert bot.slack.calls("chat.postMessage") == []


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_s34_redirect_from_response_url_not_followed(
    bot: BotHarness, elsewhere: _Recorder, status: int
) -> None:
    # The response_url is Slack's (the sandbox's origin) but answers with a redirect elsewhere.
    url = bot.slack.new_response_url()
    bot.slack.fail_response_url(url, status, "", headers={"Location": f"{elsewhere.origin}/x"})
    mark = fresh(bot)
    _command_to(bot, url)
    _assert_card_by_ephemeral(bot)
    assert elsewhere.seen == []
    assert new_records(mark, 2)[1]["detail"] == f"http_{status}"


def test_s34_notices_follow_the_same_rule(bot: BotHarness, elsewhere: _Recorder) -> None:
    # A refusal (the gate's notice) and a button's answer (More events) with a response_url
    # pointing elsewhere: both reach the person by chat.postEphemeral, nothing reaches elsewhere.
    shortcut = {
        "type": "message_action",
        "callback_id": "lookup_profile",
        "trigger_id": bot.new_trigger_id(),
        "team": {"id": "T0SANDBOX", "domain": "sandbox"},
        "user": {"id": OUTSIDER, "name": "outsider", "team_id": "T0SANDBOX"},
        "channel": {"id": CHANNEL, "name": "cust-support"},
        "response_url": f"{elsewhere.origin}/app/T0/1/steal",
        "message": THREAD_MESSAGE,
    }
    assert_acked(bot.post_interaction(shortcut))
    [refusal] = bot.slack.wait_for_calls("chat.postEphemeral")
    assert refusal.params["user"] == OUTSIDER and "don't have access" in card_text(refusal.params)

    card = member_card(bot)
    click = {
        "type": "block_actions",
        "user": {"id": MEMBER, "username": "member", "team_id": "T0SANDBOX"},
        "team": {"id": "T0SANDBOX", "domain": "sandbox"},
        "trigger_id": bot.new_trigger_id(),
        "container": {"type": "message", "channel_id": CHANNEL, "is_ephemeral": True},
        "channel": {"id": CHANNEL, "name": "cust-support"},
        "response_url": f"{elsewhere.origin}/actions/T0/1/steal",
        "actions": [
            {
                "type": "button",
                "action_id": "profile_more_events",
                "block_id": "b1",
                "value": button(card, "profile_more_events")["value"],
            }
        ],
    }
    assert_acked(bot.post_interaction(click))
    page = bot.slack.wait_for_calls("chat.postEphemeral", 2)[1]
    assert page.params["user"] == MEMBER and "Recent events" in card_text(page.params)
    assert elsewhere.seen == []
