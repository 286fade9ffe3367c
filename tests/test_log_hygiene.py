"""The suite-wide log guard itself: it must see every record, find leaks, and never echo them."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.sandbox.credentials import SEGMENT_ACCESS_TOKEN, SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET
from tests.support.log_hygiene import (
    CUSTOMERS_PATH,
    LogHygieneGuard,
    customer_values,
    mask,
    report,
)

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.log_hygiene_exempt  # these tests leak on purpose, into a private guard


@pytest.fixture
def guard() -> LogHygieneGuard:
    guard = LogHygieneGuard()
    guard.install()  # wraps whatever is installed now (the session guard), restored below
    guard.begin_test("test-under-test", exempt=False)
    yield guard
    guard.uninstall()


def kinds_of(guard: LogHygieneGuard) -> dict[str, tuple[str, ...]]:
    return {f.captured.logger: set(f.kinds) for f in guard.findings()}


def test_sees_loggers_that_do_not_propagate_and_every_level(guard: LogHygieneGuard) -> None:
    hidden = logging.getLogger("test.hidden")
    hidden.propagate = False
    hidden.addHandler(logging.NullHandler())
    try:
        hidden.log(5, "level five with %s", SLACK_SIGNING_SECRET)
    finally:
        hidden.propagate = True
        hidden.handlers.clear()
    assert kinds_of(guard) == {"test.hidden": {"SLACK_SIGNING_SECRET"}}


def test_finds_each_kind_in_emitted_records(guard: LogHygieneGuard) -> None:
    log = logging.getLogger("bot.leaky")
    log.debug("token %s", SLACK_BOT_TOKEN)
    log.info("basic c2FuZGJveC10b2tlbjo")  # base64("sandbox-token:"), as in a Basic header
    log.info("looked up someone.else@example.net")
    log.info("calling +1 555 555 0199")
    log.info("answering http://127.0.0.1:4000/response/AbCd1234")
    log.info("customer u_jane_001 seen")
    log.info("name is Dana Whitfield")
    log.info("some xoxp-999-888-abcdef token")
    found = {f.excerpt.split()[0]: set(f.kinds) for f in guard.findings()}
    assert found == {
        "token": {"SLACK_BOT_TOKEN", "a Slack token"},
        "basic": {"SEGMENT_ACCESS_TOKEN"},
        "looked": {"an email address"},
        "calling": {"a phone number"},
        "answering": {"a response_url"},
        "customer": {"a customer identifier value"},
        "name": {"a customer trait value"},
        "some": {"a Slack token"},
    }


def test_excerpts_and_report_never_show_the_secret(guard: LogHygieneGuard) -> None:
    try:
        raise RuntimeError(f"boom for jane@example.com using {SEGMENT_ACCESS_TOKEN}")
    except RuntimeError:
        logging.getLogger("bot.crash").exception("failed")
    [finding] = guard.findings()
    text = "\n".join(report([finding]))
    assert "jane@example.com" not in text and SEGMENT_ACCESS_TOKEN not in text
    assert "an email address" in text and "SEGMENT_ACCESS_TOKEN" in text
    assert "<SEGMENT_ACCESS_TOKEN>" in finding.excerpt
    assert "test-under-test" in text and "'bot.crash' ERROR" in text


def test_library_records_production_drops_are_checked_for_secrets_only(
    guard: LogHygieneGuard,
) -> None:
    logging.getLogger("httpx").info("GET http://x/profiles/email:jane%40example.com/traits")
    logging.getLogger("slack_sdk.web.base_client").debug("body: Dana Whitfield")
    logging.getLogger("slack_bolt.App").debug("headers: Authorization %s", SLACK_BOT_TOKEN)
    assert kinds_of(guard) == {"slack_bolt.App": {"SLACK_BOT_TOKEN", "a Slack token"}}


def test_exempt_tests_and_clean_records_give_nothing(guard: LogHygieneGuard) -> None:
    guard.begin_test("exempt-test", exempt=True)
    logging.getLogger("bot.x").info("leak %s", SLACK_BOT_TOKEN)
    guard.begin_test("clean-test", exempt=False)
    logging.getLogger("bot.x").info("lookup failed: upstream_error, HTTP 503 for enterprise plan")
    logging.getLogger("bot.x").info("user U0MEMBER1 in T0SANDBOX, is_enterprise_install=false")
    assert guard.findings() == []
    assert guard.records == 2


def test_counts_repeats_and_reopens_the_root_level(guard: LogHygieneGuard) -> None:
    for _ in range(3):
        logging.getLogger("bot.x").info("mail jane@example.com")
    [finding] = guard.findings()
    assert finding.captured.count == 3
    root = logging.getLogger()
    old = root.level
    root.setLevel(logging.WARNING)
    guard.begin_test("next", exempt=False)
    assert root.level == 1
    root.setLevel(old)


def test_never_raises_on_odd_records(guard: LogHygieneGuard) -> None:
    class Bad:
        def __str__(self) -> str:
            raise RuntimeError("no")

    # Straight to the guard: pytest's own capture handler would raise on these itself.
    for msg, args in [(Bad(), None), ("%s %s", ("one",)), ("%d", ("x",)), (None, None)]:
        guard.capture(logging.LogRecord("bot.odd", logging.INFO, __file__, 1, msg, args, None))
    odd = logging.LogRecord("bot.odd", logging.INFO, __file__, 1, "m", None, ("a", "b", "c"))
    guard.capture(odd)  # exc_info that is not one: reported as a guard failure, not raised
    assert [f.kinds for f in guard.findings()] == [
        ("a guard failure (the record could not be checked)",)
    ]


def test_customer_values_pick_pii_not_vocabulary() -> None:
    identifiers, traits = customer_values(json.loads(CUSTOMERS_PATH.read_text("utf-8")))
    assert {"jane@example.com", "u_jane_001", "+15555550123"} <= identifiers
    assert {"Jane Doe", "VP of Operations", "4111 1111 1111 1111", "hunter2"} <= traits
    assert not {"enterprise", "Portland", "US", "admin", "<!channel>"} & (identifiers | traits)
    assert not any(v.startswith("2022-08-15T") for v in traits)


def test_mask_handles_overlaps() -> None:
    assert mask("abcdef", [(1, 4, "x"), (2, 5, "y")]) == "a<x>f"
    assert mask("a\n b", []) == "a b"
    assert len(mask("z" * 1000, [])) == 400


@pytest.mark.timeout(120)
@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one_process", "xdist_workers"])
def test_a_leaking_run_fails_and_an_exempt_one_passes(tmp_path: Path, workers: list[str]) -> None:
    """End to end: a real pytest run with this conftest fails on a leak, without echoing it,
    also when the leak happens in an xdist worker (the controller reports it)."""
    tests = tmp_path / "leaky_tests.py"
    tests.write_text(
        textwrap.dedent(
            f"""
            import logging
            import pytest

            def test_leaks():
                logging.getLogger("bot.leaky").debug("signing with {SLACK_SIGNING_SECRET}")

            @pytest.mark.log_hygiene_exempt
            def test_leaks_on_purpose():
                logging.getLogger("bot.leaky").info("mail to purposeful@example.com")
            """
        )
    )

    def run() -> subprocess.CompletedProcess[str]:
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.conftest",
            "-q",
            "-p",
            "no:cacheprovider",
        ]
        command += [*workers, f"--rootdir={REPO}", str(tests)]
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        return subprocess.run(
            command, cwd=REPO, env=env, capture_output=True, text=True, timeout=100
        )

    result = run()
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "2 passed" in result.stdout and "log hygiene: FAILED" in result.stdout
    assert "1 distinct log message(s) leak" in result.stdout
    assert "test_leaks: logger 'bot.leaky' DEBUG (x1) holds SLACK_SIGNING_SECRET" in result.stdout
    assert "SLACK_SIGNING_SECRET" in result.stdout and "on_purpose" not in result.stdout
    assert SLACK_SIGNING_SECRET not in out and "purposeful@" not in out
