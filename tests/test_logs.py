"""Redaction of log records, library level floors, and configure_logging end to end."""

from __future__ import annotations

import io
import logging
import sys

import pytest
from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient

from bot.logs import (
    LOGGER_FLOORS,
    LevelFloorFilter,
    RedactingFilter,
    configure_logging,
    configured_secrets,
    is_below_floor,
)
from bot.sandbox.credentials import (
    AUDIT_HASH_KEY,
    SEGMENT_ACCESS_TOKEN,
    SLACK_BOT_TOKEN,
    SLACK_OTHER_SIGNING_SECRET,
    SLACK_SIGNING_SECRET,
    settings_environ,
)
from bot.sandbox.signing import command_body, sign_headers
from bot.settings import load_settings
from tests.support.logging_state import preserved_logging

pytestmark = pytest.mark.log_hygiene_exempt  # these tests feed secrets to the filter on purpose


def record(msg: object, *args: object, name: str = "bot.test", level: int = logging.INFO, **kw):
    rec = logging.LogRecord(name, level, __file__, 1, msg, args or None, None)
    for key, value in kw.items():
        setattr(rec, key, value)
    return rec


def scrubbed(msg: object, *args: object, secrets=(), **kw) -> str:
    rec = record(msg, *args, **kw)
    assert RedactingFilter(secrets).filter(rec) is True
    return logging.Formatter("%(message)s").format(rec)


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("token xoxb-1234-5678-abcdefABCDEF here", "1234-5678-abcdef"),
        ("user token xoxp-99-88-77-zzz", "99-88-77"),
        ("refresh xoxe-1-abcdef123", "abcdef123"),
        ("app token xapp-1-A0TEST-3333-abcdef", "A0TEST"),
        ("Authorization: Bearer abc123def456", "abc123def456"),
        ("{'authorization': 'Basic c2FuZGJveC10b2tlbjo='}", "c2FuZGJveC10b2tlbjo"),
        ("sent Basic c2FuZGJveC10b2tlbjo= upstream", "c2FuZGJveC10b2tlbjo"),
        ("headers {'Proxy-Authorization': 'Digest x=1, y=2'}", "Digest x=1"),
        ("Bearer sandboxtokenvalue", "sandboxtokenvalue"),
        ("lookup for jane.doe+cs@example.co.uk failed", "jane.doe+cs@example.co.uk"),
        ("path /profiles/email:jane%40example.com/traits", "jane%40example.com"),
        ("GET /x?email=jane%40example.com", "jane%40example.com"),
        ("call +15555550123 now", "5555550123"),
        ("call +1 555-555-0123 now", "555-555-0123"),
        ("phone:%2B15555550123", "15555550123"),
        ("posting to https://hooks.slack.com/commands/T1/397700885554/96rGlfmibIG", "96rGlfmib"),
        ("posting to http://127.0.0.1:5555/response/6f1c0a9b2e", "6f1c0a9b2e"),
        ("url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1%2F39770%2F96rGlf&x=1", "96rGlf"),
        (r'{"response_url":"https:\/\/hooks.slack.com\/actions\/T1\/2\/Zz9"}', "Zz9"),
        ("http://127.0.0.1:1/actions/T0/1/secretpart", "secretpart"),
        ("GET /v1/spaces/spa/collections/users/profiles/user_id:u_jane_001/events", "u_jane_001"),
        ("client_secret=abc123xyz and more", "abc123xyz"),
        ("SECRET_KEY=django-insecure-x1", "django-insecure-x1"),
        ("password: hunter2", "hunter2"),
        ("SLACK_BOT_TOKEN=whatever-value", "whatever-value"),
        ("token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T1", "gIkuvaNzQIHg97ATvDxqgjtO"),
        ('"access_token": "ya29.a0Af"', "ya29.a0Af"),
        (
            "Received the following response - status: 200, headers: {}, "
            'body: {"ok":true,"user":{"real_name":"Jane Doe"}}',
            "Jane Doe",
        ),
        ('Responding with status: 200 body: "Looking up user_id:u_jane_001"', "u_jane_001"),
        (
            "Invalid request signature detected (signature: v0=abc, timestamp: 1, body: "
            "command=%2Fprofile&text=user_id%3Au_jane_001&user_id=U1)",
            "u_jane_001",
        ),
    ],
)
def test_each_kind_is_scrubbed(text: str, gone: str) -> None:
    out = scrubbed(text)
    assert gone not in out
    assert "withheld" in out or "[" in out  # something says what was taken out


@pytest.mark.parametrize(
    "text",
    [
        "lookup failed: upstream_error, HTTP 503, Request-Id 7d3c9a",
        "job lookup failed: TimeoutError at bot/slack/jobs.py:42",
        "Copy it from the Basic Information page of your app",
        "membership of S0CSTEAM cached for 300 s (12 users)",
        "slack request ts 1531420618 took 12 ms",
        "HTTP Request: POST http://127.0.0.1:4321/api/chat.postEphemeral 200",
        "tokens=3.5 in the bucket",
        "refused a request to /slack/events: X-Slack-Request-Timestamp is not a number",
    ],
)
def test_ordinary_messages_are_left_alone(text: str) -> None:
    assert scrubbed(text) == text


def test_explicit_secrets_in_every_form() -> None:
    secrets = [SLACK_SIGNING_SECRET, SEGMENT_ACCESS_TOKEN, "", "ab"]
    text = (
        f"a {SLACK_SIGNING_SECRET} b {SEGMENT_ACCESS_TOKEN.replace('-', '%2D')} "
        "c c2FuZGJveC10b2tlbjo d sandbox%2Dtoken"
    )
    out = scrubbed(text, secrets=secrets)
    assert SLACK_SIGNING_SECRET not in out
    assert "c2FuZGJveC10b2tlbjo" not in out
    assert out.startswith("a [redacted] b ")
    # An empty or tiny secret (Socket Mode has no signing secret) must not blank everything.
    assert scrubbed("plain words", secrets=secrets) == "plain words"


def test_args_are_folded_in_and_scrubbed() -> None:
    rec = record("lookup of %s by %s with %r", "jane@example.com", "U1", {"t": SLACK_BOT_TOKEN})
    RedactingFilter().filter(rec)
    assert rec.args is None
    assert rec.getMessage() == "lookup of [email] by U1 with {'t': 'xoxb-[redacted]'}"


def test_traceback_text_is_scrubbed() -> None:
    logger = logging.getLogger("bot.test.traceback")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger.addHandler(handler)
    try:
        try:
            raise ValueError(
                "no profile for jane@example.com at /profiles/email:jane%40x.io/traits"
            )
        except ValueError:
            logger.exception("lookup failed for %s", "+15555550123")
    finally:
        logger.removeHandler(handler)
    out = stream.getvalue()
    assert "Traceback (most recent call last)" in out and "ValueError" in out
    assert "jane@example.com" not in out and "jane%40x.io" not in out
    assert "5555550123" not in out
    assert "[email]" in out and "/profiles/[id]/traits" in out


def test_stack_info_and_existing_exc_text_are_scrubbed() -> None:
    rec = record("m", stack_info="Stack:\n  at jane@example.com", exc_text="Error: xoxb-1-2-abc")
    RedactingFilter().filter(rec)
    assert "jane@" not in rec.stack_info and "1-2-abc" not in rec.exc_text


def test_filter_is_idempotent_across_handlers() -> None:
    rec = record("mail jane@example.com")
    RedactingFilter().filter(rec)
    first = rec.getMessage()
    RedactingFilter().filter(rec)
    assert rec.getMessage() == first == "mail [email]"


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("jane@example.com cannot be printed")


@pytest.mark.parametrize(
    ("msg", "args"),
    [
        ("%s and %s", ("only one",)),
        ("%d", ("not a number",)),
        (Unprintable(), ()),
        (None, ()),
        (b"bytes jane@example.com", ()),
        ("%(a)s", ({"b": 1},)),
        (12345, ()),
    ],
)
def test_filter_never_raises_on_odd_records(msg: object, args: tuple) -> None:
    rec = record(msg, *args)
    assert RedactingFilter([SLACK_BOT_TOKEN]).filter(rec) is True
    text = logging.Formatter("%(message)s").format(rec)  # and the record is printable
    assert "jane@example.com" not in text


def test_filter_survives_a_record_that_breaks_midway() -> None:
    rec = record("x", exc_info=("not", "an", "exc_info"))
    assert RedactingFilter().filter(rec) is True
    assert rec.getMessage() == "[log message withheld: redaction failed]"


def test_floors() -> None:
    assert is_below_floor("httpx", logging.INFO)
    assert not is_below_floor("httpx", logging.WARNING)
    assert is_below_floor("httpcore.http11", logging.DEBUG)
    assert is_below_floor("slack_sdk.web.base_client", logging.INFO)
    assert is_below_floor("slack_bolt.App", logging.DEBUG)
    assert not is_below_floor("slack_bolt.App", logging.INFO)
    assert is_below_floor("slack_bolt.RequestVerification", logging.INFO)
    assert not is_below_floor("bot.segment.client", logging.DEBUG)
    assert not is_below_floor("httpxyz", logging.DEBUG)  # a prefix, not a substring
    assert LevelFloorFilter().filter(record("x", name="httpx", level=logging.INFO)) is False
    assert LevelFloorFilter().filter(record("x", name="bot", level=logging.DEBUG)) is True


def test_configured_secrets() -> None:
    settings = load_settings(settings_environ(), env_file=None)
    assert set(configured_secrets(settings)) == {
        SLACK_BOT_TOKEN,
        SLACK_SIGNING_SECRET,
        SEGMENT_ACCESS_TOKEN,
        AUDIT_HASH_KEY,
    }
    with_redis = load_settings(
        settings_environ(REDIS_URL="redis://:s3cretpass@127.0.0.1:6379/0"), env_file=None
    )
    assert "s3cretpass" in configured_secrets(with_redis)
    assert not any("127.0.0.1" in s for s in configured_secrets(with_redis))
    encoded = load_settings(
        settings_environ(REDIS_URL="rediss://:s3cret%3Apass@127.0.0.1:6380/0"), env_file=None
    )
    # Both as written in the URL and as redis-py sends it to the server.
    assert {"s3cret%3Apass", "s3cret:pass"} <= set(configured_secrets(encoded))


def test_configure_logging_end_to_end() -> None:
    stream = io.StringIO()
    with preserved_logging():
        handler = configure_logging("DEBUG", stream=stream, secrets=[SLACK_SIGNING_SECRET])
        assert handler in logging.getLogger().handlers
        logging.getLogger("bot.slack.x").debug("debug from us for jane@example.com")
        logging.getLogger("bot.slack.x").info("secret %s", SLACK_SIGNING_SECRET)
        logging.getLogger("slack_bolt.App").warning("bolt says xoxb-1-2-3-abcdef")
        logging.getLogger("slack_bolt.App").debug("Responding with status: 200 body: Jane Doe")
        logging.getLogger("httpx").info("HTTP Request: GET http://x/profiles/email:a%40b.co/traits")
        logging.getLogger("httpx").warning("httpx warns about http://x/profiles/user_id:u_9/links")
        logging.getLogger("slack_sdk.web.base_client").debug("Sending a request - body: Jane")
        logging.getLogger("slack_sdk.webhook.client").info("retry POST https://hooks.slack.com/x")
        assert logging.getLogger("httpx").level == logging.WARNING
        assert logging.getLogger("slack_sdk").level == logging.WARNING
    out = stream.getvalue()
    lines = out.splitlines()
    assert len(lines) == 4, out
    assert "bot.slack.x: debug from us for [email]" in lines[0]
    assert lines[1].endswith("bot.slack.x: secret [redacted]")
    assert "slack_bolt.App: bolt says xoxb-[redacted]" in lines[2]
    # bot.segment.log_filter may already have rewritten it at the logger; either way, no id.
    assert "WARNING httpx: httpx warns about http://x/profiles/" in lines[3]
    assert "u_9" not in lines[3]
    assert lines[0][:4].isdigit() and lines[0][19] == "Z"  # 2025-01-02T03:04:05Z


def test_configure_logging_level_and_replacing_itself() -> None:
    stream = io.StringIO()
    with preserved_logging():
        configure_logging("DEBUG", stream=io.StringIO())
        configure_logging("warning", stream=stream)
        ours = [h for h in logging.getLogger().handlers if getattr(h, "_profile_bot_handler", 0)]
        assert len(ours) == 1
        logging.getLogger("bot.x").info("not shown")
        logging.getLogger("bot.x").warning("shown")
        # A floor never lowers the configured level.
        assert logging.getLogger("slack_bolt").level == logging.WARNING
        logging.getLogger("slack_bolt.App").info("not shown either")
    assert stream.getvalue().splitlines()[0].endswith("bot.x: shown")
    assert len(stream.getvalue().splitlines()) == 1


def test_configure_logging_rejects_unknown_level() -> None:
    with preserved_logging(), pytest.raises(ValueError):
        configure_logging("LOUD", stream=io.StringIO())


def test_default_stream_follows_sys_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    with preserved_logging():
        configure_logging("INFO")
        logging.getLogger("bot.x").info("to whatever stderr is now")
    assert "to whatever stderr is now" in capsys.readouterr().err
    assert sys.stderr is not None


def make_bolt_app() -> App:
    def authorize(**_: object) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=None, team_id="T0SANDBOX", bot_user_id="UBOT")

    app = App(
        signing_secret=SLACK_SIGNING_SECRET,
        authorize=authorize,
        client=WebClient(base_url="http://127.0.0.1:9/api/"),
    )
    app.command("/profile")(lambda ack: ack())
    return app


def test_bolt_bad_signature_body_never_reaches_the_output() -> None:
    """Bolt resets its loggers' levels when an App is built; the body must still stay out."""
    stream = io.StringIO()
    raw: list[str] = []

    class Raw(logging.Handler):
        def emit(self, rec: logging.LogRecord) -> None:
            raw.append(rec.getMessage())

    body = command_body("user_id:u_jane_001", response_url="http://127.0.0.1:1/response/abc123")
    headers = sign_headers(SLACK_OTHER_SIGNING_SECRET, body)
    request_headers = {k.lower(): [v] for k, v in headers.items()}
    verification = logging.getLogger("slack_bolt.RequestVerification")
    verification.addHandler(Raw())
    try:
        # Without our configuration Bolt logs the body (this proves the test can fail) ...
        with preserved_logging():
            logging.getLogger().setLevel(logging.DEBUG)
            response = make_bolt_app().dispatch(BoltRequest(body=body, headers=request_headers))
        assert response.status == 401
        assert any("u_jane_001" in m for m in raw)
        raw.clear()
        # ... with it, nothing of the body is written, though Bolt set its logger to DEBUG again.
        with preserved_logging():
            configure_logging("DEBUG", stream=stream)
            app = make_bolt_app()
            assert verification.level == logging.DEBUG
            response = app.dispatch(BoltRequest(body=body, headers=request_headers))
        assert response.status == 401
    finally:
        verification.handlers.clear()
    assert raw == []
    assert "u_jane_001" not in stream.getvalue() and "abc123" not in stream.getvalue()


def test_logger_floors_cover_the_loggers_bolt_really_uses() -> None:
    make_bolt_app()
    names = set(logging.root.manager.loggerDict)
    assert "slack_bolt.RequestVerification" in names and "slack_bolt.App" in names
    assert set(LOGGER_FLOORS) >= {"httpx", "httpcore", "slack_sdk", "slack_bolt"}
