"""Malformed bodies get 401 or 400 from the production server, never 500 (issue 11 §2; row 32).

The bot runs as in production (`python -m bot run --mode http`) against the stand-ins. Each body
Bolt cannot parse into what Slack sends (it used to answer an HTML 500 with a traceback, signed
or not) is sent twice over real HTTP: with a wrong signature (401: the signature is checked over
the raw body first) and correctly signed (400). Nothing reaches Segment, no card or message is
sent, and no traceback or ERROR line appears in the bot's output. In Socket Mode the same shapes
arrive already parsed: they are acknowledged and dropped, quietly, and the bot keeps serving.
"""

from __future__ import annotations

import http.client
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bot.sandbox import command_body, sign_headers
from bot.sandbox import credentials as test_secrets
from tests.support.cli_process import (
    MEMBER,
    BotProcess,
    bot_settings,
    child_environ,
    free_port,
    is_profile_card,
    stand_ins,
)
from tests.support.socket_mode_slack import SocketModeSlack

FORM, JSON = "application/x-www-form-urlencoded", "application/json"
MALFORMED = [
    (FORM, "payload=null"),
    (FORM, "payload=%7Bnot+json"),
    (FORM, "payload=%5B1%2C2%5D"),  # a JSON array as the payload
    (FORM, "payload=%22text%22"),
    (JSON, "command=%2Fprofile&text=email%3Ajane%40example.com"),  # a form labelled JSON
    (JSON, "[1, 2]"),
    (JSON, "[" * 3000 + "]" * 3000),
    (JSON, '{"a": ' * 3000 + "1" + "}" * 3000),
    (JSON, '{"type": "event_callback", "authorizations": "x", "event": {"type": "x"}}'),
    (JSON, "{}"),
    (FORM, "a=1"),
    (FORM, "payload=" + quote(json.dumps({"type": "block_actions", "actions": ["x"]}))),
    (FORM, "payload=" + quote(json.dumps({"type": "view_submission", "view": {"id": "V1"}}))),
]
# Socket Mode envelopes (kind, payload): what slack_sdk and Bolt used to log a traceback for.
SOCKET_MODE_MALFORMED: list[tuple[str, Any]] = [
    ("slash_commands", None),
    ("slash_commands", [1, 2]),
    ("events_api", "text"),
    ("events_api", {"type": "event_callback", "authorizations": "x"}),
    ("interactive", {"type": "block_actions", "actions": "x", "user": {"id": MEMBER}}),
    ("interactive", {"type": "block_actions", "actions": [5], "user": {"id": MEMBER}}),
]


def _post(port: int, content_type: str, body: str, secret: str) -> tuple[int, str, bytes]:
    headers = {**sign_headers(secret, body), "Content-Type": content_type}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", "/slack/events", body=body.encode(), headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type") or "", response.read()
    finally:
        connection.close()


def test_s32_malformed_bodies_get_401_or_400_never_500(tmp_path: Path) -> None:
    port = free_port()
    with stand_ins() as (sandbox, slack):
        settings = bot_settings(sandbox, slack.api_url, PORT=str(port), LOG_LEVEL="DEBUG")
        bot = BotProcess.bot("run", "--mode", "http", environ=child_environ(settings), cwd=tmp_path)
        try:
            bot.wait_http_ready(port)
            # The worker's start-up work (the workflow step's distribution) ends in this call;
            # what the malformed bodies cause is counted from then on.
            slack.wait_for_calls("functions.distributions.permissions.set", timeout=10)
            calls_before = [call.method for call in slack.calls()]
            for content_type, body in MALFORMED:
                forged = _post(port, content_type, body, test_secrets.SLACK_OTHER_SIGNING_SECRET)
                signed = _post(port, content_type, body, test_secrets.SLACK_SIGNING_SECRET)
                assert forged[:2] == (401, "application/json"), (body[:40], forged)
                assert json.loads(forged[2]) == {"error": "invalid request"}
                assert signed[:2] == (400, "application/json"), (body[:40], signed)
                assert json.loads(signed[2]) == {"error": "bad request"}
            assert sandbox.request_count("traits") == 0
            assert [call.method for call in slack.calls()] == calls_before
        finally:
            bot.kill()
    output = bot.output
    assert "Traceback" not in output and " ERROR " not in output, output[-3000:]
    assert "refused a request to /slack/events" in output  # one INFO line per refusal
    bot.assert_no_secrets()


def test_s32_malformed_socket_mode_payloads_are_acked_and_dropped(tmp_path: Path) -> None:
    with (
        stand_ins() as (sandbox, slack),
        SocketModeSlack(slack, app_token=test_secrets.SLACK_APP_TOKEN) as socket_slack,
    ):
        settings = bot_settings(
            sandbox, socket_slack.api_url, SLACK_APP_TOKEN=test_secrets.SLACK_APP_TOKEN
        )
        bot = BotProcess.bot(
            "run", "--mode", "socket", environ=child_environ(settings), cwd=tmp_path
        )
        try:
            socket_slack.wait_connected(timeout=15)
            for kind, payload in SOCKET_MODE_MALFORMED:
                envelope = socket_slack.send_envelope(kind, payload)
                assert socket_slack.wait_ack(envelope) == {}, (kind, payload)
            url = socket_slack.new_response_url()  # on SLACK_API_URL's origin, as Slack's would be
            envelope = socket_slack.send_command(command_body("jane@example.com", response_url=url))
            assert socket_slack.wait_ack(envelope)["response_type"] == "ephemeral"
            assert is_profile_card(slack.wait_for_responses(url, 1, timeout=10)[0], "Jane Doe")
        finally:
            bot.kill()
    output = bot.output
    assert "Traceback" not in output and " ERROR " not in output, output[-3000:]
    assert output.count("refused a Socket Mode") == len(SOCKET_MODE_MALFORMED)
    bot.assert_no_secrets()
