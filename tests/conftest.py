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
_FINDINGS: list[str] = []  # report lines, this process's and (xdist) every worker's
_TOTALS = [0, 0]  # records checked, distinct messages


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
    own = _GUARD.findings()
    own_lines = report(own) if own else []
    _FINDINGS.extend(own_lines)
    _TOTALS[0] += _GUARD.records
    _TOTALS[1] += _GUARD.distinct_messages
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        # An xdist worker: hand the findings to the controller, which reports for every worker.
        workeroutput["log_hygiene"] = [own_lines, _GUARD.records, _GUARD.distinct_messages]
    if _FINDINGS and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """xdist's controller: gather each worker's log hygiene findings (it runs no test itself)."""
    lines, records, distinct = getattr(node, "workeroutput", {}).get("log_hygiene", [[], 0, 0])
    _FINDINGS.extend(lines)
    _TOTALS[0] += records
    _TOTALS[1] += distinct


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _FINDINGS:
        terminalreporter.section("log hygiene: FAILED", sep="=", red=True, bold=True)
        for line in _FINDINGS:
            terminalreporter.line(line)
    else:
        terminalreporter.line(
            f"log hygiene: {_TOTALS[0]} log records ({_TOTALS[1]} distinct) "
            "checked, no secrets or PII found"
        )
