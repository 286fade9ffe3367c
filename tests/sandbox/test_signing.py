"""Slack request signing helpers, checked against Slack's documented golden vector."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, parse_qsl, urlencode

from slack_sdk.signature import SignatureVerifier

from bot.sandbox import command_body, interaction_body, sign_headers
from bot.sandbox.signing import signature

GOLDEN_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
GOLDEN_TS = 1531420618
GOLDEN_BODY = (
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
GOLDEN_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def test_golden_vector() -> None:
    assert signature(GOLDEN_SECRET, GOLDEN_BODY, GOLDEN_TS) == GOLDEN_SIGNATURE
    headers = sign_headers(GOLDEN_SECRET, GOLDEN_BODY, GOLDEN_TS)
    assert headers["X-Slack-Signature"] == GOLDEN_SIGNATURE
    assert headers["X-Slack-Request-Timestamp"] == str(GOLDEN_TS)
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_form_encoding_matches_slacks_bytes() -> None:
    # Re-encoding the golden body's fields gives the same bytes: urlencode is Slack-shaped.
    assert urlencode(parse_qsl(GOLDEN_BODY, keep_blank_values=True)) == GOLDEN_BODY


def test_second_vector_from_reference() -> None:
    body = (
        "token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001&team_domain=example&channel_id=C2147483705"
        "&channel_name=cust-support&user_id=U2147483697&user_name=steve&command=%2Fprofile"
        "&text=email%3Ax%40y.com&api_app_id=A0123456789&is_enterprise_install=false"
        "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT0001%2F1234567890%2FAbCdEfGh1234"
        "&trigger_id=13345224609.738474920.8088930838d88f008e0"
    )
    assert len(body) == 385
    assert signature(GOLDEN_SECRET, body, GOLDEN_TS) == (
        "v0=0014b3e934c16ad706973e678475b0fb4edd7352fd31bce1cd3597d85a255a00"
    )


def test_slack_sdk_verifier_accepts_our_headers() -> None:
    body = command_body("email:jane@example.com", response_url="http://127.0.0.1:1/response/x")
    headers = sign_headers("s3cret", body)
    verifier = SignatureVerifier("s3cret")
    assert verifier.is_valid_request(body, headers)
    assert not SignatureVerifier("other").is_valid_request(body, headers)
    old = sign_headers("s3cret", body, int(time.time()) - 301)
    assert not verifier.is_valid_request(body, old)


def test_command_body_fields() -> None:
    body = command_body(
        "email:jane@example.com", response_url="http://127.0.0.1:9/response/abc", user_id="U9"
    )
    fields = parse_qs(body, keep_blank_values=True)
    assert fields["command"] == ["/profile"] and fields["text"] == ["email:jane@example.com"]
    assert fields["user_id"] == ["U9"] and fields["team_id"] == ["T0SANDBOX"]
    assert fields["channel_id"] == ["C0SANDBOX1"]
    assert fields["response_url"] == ["http://127.0.0.1:9/response/abc"]
    assert "command=%2Fprofile" in body and "text=email%3Ajane%40example.com" in body
    other = command_body("x", response_url="http://127.0.0.1:9/response/abc")
    assert parse_qs(other)["trigger_id"] != fields["trigger_id"]  # fresh trigger per body
    fixed = command_body("x", response_url="u", trigger_id="1.2.3")
    assert parse_qs(fixed)["trigger_id"] == ["1.2.3"]


def test_interaction_body_round_trips() -> None:
    payload = {"type": "block_actions", "actions": [{"value": "a&b=c <d> +e"}]}
    body = interaction_body(payload)
    assert body.startswith("payload=")
    assert json.loads(parse_qs(body)["payload"][0]) == payload
