"""The HTTP surface: routing, /healthz, signatures, replays and Slack's event retries."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from bot.sandbox import credentials as test_secrets
from bot.sandbox.signing import command_body, sign_headers
from tests.support.harness import CHANNEL, GROUP_ID, JANE, MEMBER, BotHarness, card_text


def test_healthz(bot: BotHarness) -> None:
    response = bot.http.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["segment_breaker"] == "closed"
    assert body["jobs_pending"] == 0
    for _, secret in test_secrets.SECRETS:
        assert secret not in response.text


def test_other_paths_and_methods(bot: BotHarness) -> None:
    assert bot.http.get("/").status_code == 404
    assert bot.http.post("/admin", content=b"x").status_code == 404
    assert bot.http.get("/slack/events").status_code == 405


def test_forged_signature_is_refused(bot: BotHarness) -> None:
    url = bot.slack.new_response_url()
    body = command_body(f"email:{JANE}", user_id=MEMBER, channel_id=CHANNEL, response_url=url)
    response, _, _ = bot.send(body, secret=test_secrets.SLACK_OTHER_SIGNING_SECRET)
    assert response.status_code == 401
    bot.settle()
    assert bot.sandbox.request_count() == 0
    assert bot.audit_records() == []


def test_body_edited_after_signing_is_refused(bot: BotHarness) -> None:
    url = bot.slack.new_response_url()
    body = command_body(f"email:{JANE}", user_id=MEMBER, channel_id=CHANNEL, response_url=url)
    headers = sign_headers(test_secrets.SLACK_SIGNING_SECRET, body)
    tampered = body.replace("U0MEMBER1", "U0MEMBER2")
    response = bot.http.post("/slack/events", content=tampered.encode(), headers=headers)
    assert response.status_code == 401


def test_stale_timestamp_is_refused(bot: BotHarness) -> None:
    url = bot.slack.new_response_url()
    body = command_body(f"email:{JANE}", user_id=MEMBER, channel_id=CHANNEL, response_url=url)
    response, _, _ = bot.send(body, timestamp=int(time.time()) - 301)
    assert response.status_code == 401
    assert bot.sandbox.request_count() == 0


def test_replayed_request_is_handled_once(bot: BotHarness) -> None:
    url = bot.slack.new_response_url()
    body = command_body(f"email:{JANE}", user_id=MEMBER, channel_id=CHANNEL, response_url=url)
    headers = sign_headers(test_secrets.SLACK_SIGNING_SECRET, body)
    first = bot.http.post("/slack/events", content=body.encode(), headers=headers)
    assert "Looking up" in card_text(first.json())
    bot.wait_response(url)
    bot.settle()
    traits_requests = bot.sandbox.request_count("traits")
    replay = bot.http.post("/slack/events", content=body.encode(), headers=headers)
    assert replay.status_code == 200
    assert replay.text == ""
    bot.settle()
    assert len(bot.audit_records()) == 1
    assert bot.sandbox.request_count("traits") == traits_requests
    assert len(bot.slack.responses(url)) == 1


def test_event_retry_is_handled_once(bot: BotHarness) -> None:
    bot.post_command("help")  # membership now cached
    payload = {
        "type": "event_callback",
        "team_id": "T0SANDBOX",
        "event_id": "Ev0RETRY1",
        "event": {"type": "subteam_members_changed", "subteam_id": GROUP_ID},
    }
    body = json.dumps(payload)
    extra = {"Content-Type": "application/json"}
    assert bot.send(body, extra_headers=extra)[0].status_code == 200
    bot.wait_until(bot.membership_dropped)
    bot.post_command("help")
    calls = len(bot.slack.calls("usergroups.users.list"))
    assert calls == 2  # the event dropped the cached membership
    # Slack re-signs a retry with a new timestamp: only the event id repeats.
    retry = {**extra, "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    response = bot.send(body, timestamp=int(time.time()) - 7, extra_headers=retry)[0]
    assert response.status_code == 200
    bot.settle()
    time.sleep(0.2)  # were the retry handled, its listener would run right after the ack
    assert not bot.membership_dropped()
    bot.post_command("help")
    assert len(bot.slack.calls("usergroups.users.list")) == calls  # cache kept: retry dropped


def test_url_verification_and_ssl_check(bot: BotHarness) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "3eZbrw1aB", "token": "x"})
    response = bot.send(body, extra_headers={"Content-Type": "application/json"})[0]
    assert response.status_code == 200
    assert "3eZbrw1aB" in response.text
    response = bot.send("ssl_check=1&token=x")[0]
    assert response.status_code == 200
    assert bot.audit_records() == []


def test_legacy_token_field_is_ignored(make_bot: Callable[..., BotHarness]) -> None:
    bot = make_bot()
    url = bot.slack.new_response_url()
    body = command_body(f"email:{JANE}", user_id=MEMBER, channel_id=CHANNEL, response_url=url)
    body = body.replace("token=sandbox-verification-token", "token=wrong")
    response, _, _ = bot.send(body)
    assert "Looking up" in card_text(response.json())
