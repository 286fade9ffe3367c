"""Scenario 36 (issue 11 §6): several processes never run without the state they must share.

`WEB_CONCURRENCY=2` without `REDIS_URL` is refused at start-up, saying what would be lost and how
to fix it; with Redis, a request Slack re-sends is handled once whichever worker receives it; and
when Redis goes away the warning says what the processes lose until it is back.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from bot.sandbox import credentials as test_secrets
from bot.sandbox.redis_server import RedisServer
from bot.sandbox.signing import command_body, sign_headers
from tests.security.checks import warnings_of
from tests.support.cli_process import (
    MEMBER,
    BotProcess,
    bot_settings,
    child_environ,
    free_port,
    stand_ins,
)
from tests.support.harness import JANE, BotHarness, card_text

# What the refusal and the outage warning must name, in the operator's words.
LOSSES = ("handled twice", "card expired", "keeps access", "request budget")


def test_s36_several_workers_without_redis_refused_at_start(tmp_path: Path) -> None:
    port = free_port()
    with stand_ins() as (sandbox, slack):
        settings = bot_settings(sandbox, slack.api_url, PORT=str(port), WEB_CONCURRENCY="2")
        bot = BotProcess.bot("run", "--mode", "http", environ=child_environ(settings), cwd=tmp_path)
        try:
            assert bot.wait(20) == 2  # a configuration problem, before gunicorn starts
        finally:
            bot.kill()
    output = bot.output
    assert "WEB_CONCURRENCY" in output and "REDIS_URL is not set" in output
    assert all(loss in output for loss in LOSSES), output
    assert "Set REDIS_URL" in output and "WEB_CONCURRENCY=1" in output
    assert "Traceback" not in output
    with pytest.raises(httpx.TransportError):  # nothing ever listened
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
    bot.assert_no_secrets()


@pytest.mark.redis
def test_s36_several_workers_with_redis_handle_a_resent_request_once(tmp_path: Path) -> None:
    port = free_port()
    redis_server = RedisServer().start()
    audit_path = tmp_path / "audit.jsonl"
    try:
        with stand_ins() as (sandbox, slack):
            settings = bot_settings(
                sandbox,
                slack.api_url,
                PORT=str(port),
                WEB_CONCURRENCY="2",
                REDIS_URL=redis_server.url,
                AUDIT_LOG_PATH=str(audit_path),
            )
            bot = BotProcess.bot(
                "run", "--mode", "http", environ=child_environ(settings), cwd=tmp_path
            )
            try:
                bot.wait_http_ready(port, timeout=30)
                url = slack.new_response_url()
                body = command_body(f"email:{JANE}", user_id=MEMBER, response_url=url)
                headers = sign_headers(test_secrets.SLACK_SIGNING_SECRET, body)
                # The same delivery four times, each on a new connection, so that gunicorn
                # hands them to whichever worker accepts first.
                statuses = []
                for _ in range(4):
                    with httpx.Client(timeout=10) as client:
                        statuses.append(
                            client.post(
                                f"http://127.0.0.1:{port}/slack/events",
                                content=body,
                                headers=headers,
                            ).status_code
                        )
                assert statuses == [200] * 4
                slack.wait_for_responses(url, 1, timeout=15)
                time.sleep(1.0)  # a second lookup would post again within this
                assert len(slack.responses(url)) == 1
                lookups = [
                    r
                    for r in map(json.loads, audit_path.read_text().splitlines())
                    if r["action"] == "lookup"
                ]
                assert len(lookups) == 1, lookups
            finally:
                bot.kill()
        assert "Traceback" not in bot.output
    finally:
        redis_server.close()


@pytest.mark.redis
def test_s36_redis_outage_warning_says_what_is_lost(
    make_bot: Callable[..., BotHarness],
) -> None:
    redis_server = RedisServer().start()
    try:
        bot = make_bot(env={"REDIS_URL": redis_server.url})
        first = bot.post_command(f"email:{JANE}")
        assert "Looking up" in card_text(first.json())
        # The first card's job must be done with Redis before the outage starts, or the warning
        # would come from it, before the block below listens.
        bot.wait_response(first.response_url, timeout=10)
        redis_server.stop()
        with warnings_of("bot.redis") as alerts:
            sent = bot.post_command("email:tom.becker@example.org")
            assert sent.response.status_code == 200
            bot.wait_response(sent.response_url, timeout=10)
        [outage] = [m for m in alerts.messages if "Redis is unreachable" in m]
        assert all(loss in outage for loss in LOSSES), outage
    finally:
        redis_server.close()
