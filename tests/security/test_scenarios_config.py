"""Scenarios 21-22 (reliability-security.md §5): where the tokens may go, and what the logs keep.

Scenario 21 follows the issue's rule, which amends §5: a base-URL override may be plain http only
for a loopback address (no extra flag needed), and is refused when it carries userinfo or is not
https otherwise. Redirects are never followed, so the Segment token is never sent anywhere else.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.check import run_checks
from bot.cli import main as profile_bot
from bot.logs import configure_logging, configured_secrets
from bot.sandbox import credentials as test_secrets
from bot.sandbox.faults import Fault
from bot.sandbox.profile_api import ProfileApiSandbox
from bot.settings import SettingsError, load_settings
from tests.security.checks import assert_acked, fresh, only_record
from tests.support.harness import JANE, BotHarness, card_text
from tests.support.logging_state import preserved_logging

URL_SETTINGS = ("SEGMENT_PROFILE_API_URL", "SLACK_API_URL")
REFUSED_URLS = {
    "metadata_service": "http://169.254.169.254/",
    "userinfo_host_confusion": "https://profiles.segment.com@evil.example/",
    "userinfo_credentials": "https://user:hunter2@profiles.segment.com/",
    "plain_http_remote": "http://evil.example/",
    "loopback_lookalike_name": "http://localhost.evil.example/",
    "loopback_lookalike_ip_name": "http://127.0.0.1.nip.io/",
    "private_network_http": "http://10.0.0.7/",
    "not_http": "ftp://127.0.0.1/",
}
LOOPBACK_URLS = ("http://127.0.0.1:8765/", "http://localhost:8765", "http://[::1]:8765/")


@pytest.mark.parametrize("setting", URL_SETTINGS)
@pytest.mark.parametrize("case", sorted(REFUSED_URLS))
def test_s21_untrusted_base_url_refused(
    setting: str,
    case: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = REFUSED_URLS[case]
    with pytest.raises(SettingsError) as caught:
        load_settings(test_secrets.settings_environ(**{setting: url}), env_file=None)
    assert caught.value.setting == setting
    # `profile-bot check` refuses to go on, names the setting, and does not echo the URL.
    monkeypatch.chdir(tmp_path)  # no .env here
    for name, value in test_secrets.settings_environ(**{setting: url}).items():
        monkeypatch.setenv(name, value)
    assert profile_bot(["check"]) == 2
    out = capsys.readouterr()
    assert out.out.startswith(f"✗ Settings: {setting} ")
    for fragment in ("evil.example", "hunter2", "169.254", "nip.io"):
        assert fragment not in out.out + out.err


@pytest.mark.parametrize("url", LOOPBACK_URLS)
def test_s21_loopback_http_allowed_without_a_flag(url: str) -> None:
    for setting in URL_SETTINGS:
        settings = load_settings(test_secrets.settings_environ(**{setting: url}), env_file=None)
        assert getattr(settings, setting.lower()).startswith("http://")


def test_s21_any_https_host_is_the_operators_choice() -> None:
    # Not refused under the rule: an https override is trusted configuration (EU region,
    # a proxy). `profile-bot check` prints the host it talks to, so a typo is visible.
    url = "https://profiles.segment.com.evil.example/"
    settings = load_settings(
        test_secrets.settings_environ(SEGMENT_PROFILE_API_URL=url), env_file=None
    )
    assert settings.segment_profile_api_url == url


@contextlib.contextmanager
def elsewhere() -> Iterator[ProfileApiSandbox]:
    """A second Profile API on loopback: where a redirect would take the token."""
    with ProfileApiSandbox(token=test_secrets.SEGMENT_ACCESS_TOKEN) as server:
        yield server


def test_s21_redirect_not_followed_and_token_stays_home(bot: BotHarness) -> None:
    with elsewhere() as other:
        target = other.base_url + "v1/spaces/spa_sandbox/collections/users/profiles/x/traits"
        mark = fresh(bot)
        bot.sandbox.add_fault(Fault(route="*", status=302, headers={"Location": target}))
        sent = bot.post_command(f"email:{JANE}")
        assert_acked(sent)
        card = bot.wait_response(sent.response_url)
        assert "Segment had a problem answering" in card_text(card)
        assert "HTTP 302" in card_text(card)
        only_record(mark, action="lookup", outcome="upstream_error")
        # One request per route (a 3xx is not retried either), none of them anywhere else.
        paths = [(r.path, tuple(sorted(r.query.items()))) for r in bot.sandbox.requests()]
        assert paths and len(paths) == len(set(paths))
        assert other.request_count() == 0

        # `profile-bot check` against the redirecting upstream fails, and follows nothing.
        results = run_checks(bot.settings)
        segment = results[-1]
        assert not segment.ok and "no usable answer" in segment.label
        assert "HTTP 302" in segment.label
        assert all(r.ok for r in results[:-1]), [r.render() for r in results]
        assert other.request_count() == 0


class RawRecords(logging.Handler):
    """Every record as created, before the bot's handler filters it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.mark.parametrize(
    ("status", "text"),
    [(500, f"email:{JANE}"), (404, "email:nobody@example.com"), (404, "+15555550177")],
)
def test_s22_debug_logs_hold_no_secrets_or_pii(bot: BotHarness, status: int, text: str) -> None:
    stream = io.StringIO()
    raw = RawRecords()
    with preserved_logging():
        configure_logging("DEBUG", stream=stream, secrets=configured_secrets(bot.settings))
        logging.getLogger().addHandler(raw)
        mark = fresh(bot)
        if status != 404:
            bot.sandbox.add_fault(Fault(route="*", status=status))
        sent = bot.post_command(text)
        card = bot.wait_response(sent.response_url, timeout=8)
        record = only_record(mark, action="lookup")
        bot.settle()
        logging.getLogger().removeHandler(raw)
    output = stream.getvalue()
    # DEBUG was really on: the libraries logged requests at DEBUG/INFO; the bot's handler
    # dropped or scrubbed what they carry.
    assert any(r.levelno == logging.DEBUG for r in raw.records)
    assert any(r.name.startswith(("httpx", "httpcore", "slack")) for r in raw.records)
    token = bot.settings.segment_access_token
    basic = base64.b64encode(f"{token}:".encode()).decode().rstrip("=")
    needles = [
        token,
        basic,
        "Authorization",
        "authorization:",
        "Basic ",
        bot.settings.slack_bot_token,
        bot.settings.slack_signing_secret,
        "/response/",
        sent.response_url or "",
        "jane@example.com",
        "jane%40example.com",
        "nobody@example.com",
        "nobody%40example.com",
        "+15555550177",
        "%2B15555550177",
        "15555550177",
    ]
    assert [n for n in needles if n in output] == []
    if status == 500:
        # A generic message with a correlation id: Segment's Request-Id, also in the audit trail.
        assert record["outcome"] == "upstream_error"
        assert record["request_id"] and record["request_id"] in card_text(card)
        assert "Injected error" not in card_text(card) and "Traceback" not in card_text(card)
    else:
        assert record["outcome"] == "not_found"
        assert "No profile found" in card_text(card)
    assert json.dumps(record).count("example.com") == 0
