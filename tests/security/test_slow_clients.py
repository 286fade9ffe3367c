"""Slow or stalled clients cost a socket, never the bot (issue 11 §1; SECURITY.md row 31).

The bot runs as in production (`python -m bot run --mode http`: gunicorn's master, a waitress
worker with WEB_THREADS=16) against the stand-ins on loopback. Fifty connections (half trickling
a body byte a second after `Content-Length: 1000` and three bytes, half never finishing their
headers) are held for 15 s, more than three times as many as the worker has threads, while
signed `/profile` requests and `GET /healthz` keep being answered; each slow connection is
answered 408 and closed by the read deadline.
"""

from __future__ import annotations

import http.client
import threading
import time
from pathlib import Path

from bot.sandbox import command_body, sign_headers
from bot.sandbox import credentials as test_secrets
from bot.serve_http import REQUEST_READ_DEADLINE_SECONDS
from tests.support.cli_process import (
    BotProcess,
    bot_settings,
    child_environ,
    free_port,
    is_profile_card,
    stand_ins,
)
from tests.support.slow_clients import HOST, SlowClient, hold_slow_clients

HOLD = 15.0  # seconds the slow clients are held (the figure)
ACK_BOUND = 3.0  # Slack's ack deadline: every probe must be answered well within it
CLOSE_SLACK = 2.5  # the deadline is checked once a second, and the test's clock starts earlier


def _request(port: int, method: str, path: str, body: str = "", headers=None) -> tuple[int, float]:
    """One request on a fresh connection: (status, seconds until the whole answer was in)."""
    began = time.monotonic()
    connection = http.client.HTTPConnection(HOST, port, timeout=ACK_BOUND)
    try:
        connection.request(method, path, body=body.encode(), headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status, time.monotonic() - began
    finally:
        connection.close()


def test_s31_slow_clients_cost_a_socket_never_the_bot(tmp_path: Path) -> None:
    port = free_port()
    with stand_ins() as (sandbox, slack):
        settings = bot_settings(sandbox, slack.api_url, PORT=str(port), WEB_THREADS="16")
        bot = BotProcess.bot("run", "--mode", "http", environ=child_environ(settings), cwd=tmp_path)
        try:
            bot.wait_http_ready(port)
            held: list[list[SlowClient]] = []
            holder = threading.Thread(
                target=lambda: held.append(hold_slow_clients(port, count=50, hold=HOLD))
            )
            holder.start()
            time.sleep(1.0)  # every slow connection is open and has sent its first bytes
            acks, health, urls = [], [], []
            while holder.is_alive():
                url = slack.new_response_url()
                body = command_body("email:jane@example.com", response_url=url)
                signed = sign_headers(test_secrets.SLACK_SIGNING_SECRET, body)
                acks.append(_request(port, "POST", "/slack/events", body, signed))
                urls.append(url)
                health.append(_request(port, "GET", "/healthz"))
                time.sleep(0.2)
            holder.join(timeout=10)
            # Every card arrives: the lookups ran while the slow clients were held.
            for url in urls:
                assert is_profile_card(slack.wait_for_responses(url, 1, timeout=10)[0], "Jane Doe")
        finally:
            bot.kill()
    assert len(acks) >= 10, acks  # probes kept going for the whole hold
    assert {status for status, _ in acks} == {200}
    assert {status for status, _ in health} == {200}
    assert max(seconds for _, seconds in acks + health) < ACK_BOUND
    (clients,) = held
    for client in clients:
        assert client.closed_after is not None, f"a {client.kind} client was never closed"
        assert client.closed_after <= REQUEST_READ_DEADLINE_SECONDS + CLOSE_SLACK, client
        assert client.answer.startswith(b"HTTP/1.1 408 "), client.answer[:80]
    assert "Traceback" not in bot.output
    bot.assert_no_secrets()
