"""Suite-wide hooks: the log hygiene guard (tests/support/log_hygiene.py explains how it works).

Every log record of the run is captured; at the end the run fails if any holds a test secret, a
Slack token, an email, a phone number, a response_url or a sandbox customer's identifier or trait
value. A test that logs such things on purpose (to test the redaction filter) is marked
`@pytest.mark.log_hygiene_exempt`. Put shared fixtures in tests/support/ or a sub-conftest.
"""

from __future__ import annotations

from collections.abc import Generator

import pytest

from tests.support.log_hygiene import LogHygieneGuard, report

_GUARD = LogHygieneGuard()
_FINDINGS: list = []


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "log_hygiene_exempt: the test logs secrets or PII on purpose; the suite-wide log guard "
        "ignores records logged while it runs",
    )
    _GUARD.install()


def pytest_unconfigure(config: pytest.Config) -> None:
    _GUARD.uninstall()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator:
    exempt = item.get_closest_marker("log_hygiene_exempt") is not None
    _GUARD.begin_test(item.nodeid, exempt=exempt)
    try:
        return (yield)
    finally:
        _GUARD.end_test()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _FINDINGS[:] = _GUARD.findings()
    if _FINDINGS and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _FINDINGS:
        terminalreporter.section("log hygiene: FAILED", sep="=", red=True, bold=True)
        for line in report(_FINDINGS):
            terminalreporter.line(line)
    else:
        terminalreporter.line(
            f"log hygiene: {_GUARD.records} log records ({_GUARD.distinct_messages} distinct) "
            "checked, no secrets or PII found"
        )
