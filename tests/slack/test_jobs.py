"""JobRunner: bounded, failures reported without PII, graceful shutdown."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from bot.slack.jobs import JobRunner


def test_runs_jobs_and_reports_failures_without_the_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runner = JobRunner(2)
    done = threading.Event()
    errors: list[BaseException] = []

    def fails() -> None:
        raise ValueError("secret detail that must not be logged")

    assert runner.submit("ok", done.set)
    with caplog.at_level(logging.ERROR, logger="bot.slack.jobs"):
        assert runner.submit("boom", fails, on_error=errors.append)
        runner.shutdown(wait=True)
    assert done.is_set()
    assert len(errors) == 1 and isinstance(errors[0], ValueError)
    assert "job boom failed: ValueError" in caplog.text
    assert "secret detail" not in caplog.text


def test_overload_is_refused_not_queued_forever() -> None:
    runner = JobRunner(1, max_pending=2)
    gate = threading.Event()
    assert runner.submit("a", gate.wait)
    assert runner.submit("b", gate.wait)
    assert not runner.accepting()
    assert not runner.submit("c", gate.wait)
    gate.set()
    runner.shutdown(wait=True)
    assert runner.pending == 0


def test_by_default_a_burst_of_300_lookups_is_taken() -> None:
    runner = JobRunner(32)
    gate = threading.Event()
    try:
        assert all(runner.submit(f"lookup {n}", gate.wait) for n in range(300))
        assert runner.accepting()
    finally:
        gate.set()
        runner.shutdown(wait=True)
    assert runner.pending == 0


def test_shutdown_waits_for_jobs_in_flight_and_refuses_new_ones() -> None:
    runner = JobRunner(2)
    finished = threading.Event()

    def slow() -> None:
        time.sleep(0.2)
        finished.set()

    assert runner.submit("slow", slow)
    runner.shutdown(wait=True)
    assert finished.is_set()
    assert not runner.submit("late", slow)


def test_a_failing_error_handler_is_contained(caplog: pytest.LogCaptureFixture) -> None:
    runner = JobRunner(1)

    def fails() -> None:
        raise RuntimeError("x")

    def handler_fails(_exc: BaseException) -> None:
        raise OSError("y")

    with caplog.at_level(logging.ERROR, logger="bot.slack.jobs"):
        assert runner.submit("double", fails, on_error=handler_fails)
        runner.shutdown(wait=True)
    assert "double (error report) failed: OSError" in caplog.text
    assert runner.pending == 0
