"""AuditLog: one JSON object per line, keyed identifier hashes, file sink, whole lines."""

from __future__ import annotations

import io
import json
import os
import stat
import sys
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.audit import HASH_HEX_CHARS, AuditLog, identifier_hash, new_request_id
from bot.identifiers import Identifier
from bot.sandbox.credentials import AUDIT_HASH_KEY, SLACK_BOT_TOKEN, settings_environ
from bot.settings import load_settings

JANE = Identifier("email", "jane@example.com")
FIXED = datetime(2025, 3, 4, 5, 6, 7, 890000, tzinfo=UTC)


def lines_of(stream: io.StringIO) -> list[dict]:
    text = stream.getvalue()
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def a_record(log: AuditLog, **overrides) -> None:
    fields = {
        "action": "lookup",
        "outcome": "shown",
        "entry_point": "slash_command",
        "team_id": "T0SANDBOX",
        "user_id": "U0MEMBER1",
        "channel_id": "C0SUPPORT",
        "identifier": JANE,
        "sections": ("traits", "events"),
        "cached": False,
    }
    fields.update(overrides)
    log.record(**fields)


def test_record_has_every_field_as_one_json_line() -> None:
    out = io.StringIO()
    log = AuditLog(out, hash_key=AUDIT_HASH_KEY, clock=lambda: FIXED)
    a_record(log, request_id="req-123", detail="Request-Id abc")
    [entry] = lines_of(out)
    assert entry == {
        "ts": "2025-03-04T05:06:07.890Z",
        "request_id": "req-123",
        "action": "lookup",
        "outcome": "shown",
        "entry_point": "slash_command",
        "team_id": "T0SANDBOX",
        "user_id": "U0MEMBER1",
        "channel_id": "C0SUPPORT",
        "id_type": "email",
        "id_hash": identifier_hash(AUDIT_HASH_KEY, JANE),
        "sections": ["traits", "events"],
        "cached": False,
        "detail": "Request-Id abc",
    }
    assert "jane" not in out.getvalue()


def test_a_workflow_run_carries_its_execution_id_and_nothing_else_does() -> None:
    out = io.StringIO()
    log = AuditLog(out, hash_key=AUDIT_HASH_KEY, clock=lambda: FIXED)
    a_record(log, entry_point="workflow", workflow_execution_id="Wx0123ABCD")
    a_record(log)
    workflow, command = lines_of(out)
    assert workflow["workflow_execution_id"] == "Wx0123ABCD"
    assert workflow["entry_point"] == "workflow"
    assert "workflow_execution_id" not in command


def test_timestamp_is_utc_even_from_a_local_clock() -> None:
    out = io.StringIO()
    local = FIXED.astimezone(timezone(timedelta(hours=-7)))
    log = AuditLog(out, hash_key=AUDIT_HASH_KEY, clock=lambda: local)
    a_record(log)
    assert lines_of(out)[0]["ts"] == "2025-03-04T05:06:07.890Z"


def test_default_clock_is_now() -> None:
    out = io.StringIO()
    a_record(AuditLog(out, hash_key=AUDIT_HASH_KEY))
    ts = datetime.fromisoformat(lines_of(out)[0]["ts"].replace("Z", "+00:00"))
    assert abs((datetime.now(UTC) - ts).total_seconds()) < 60


def test_request_id_is_generated_when_missing_and_differs() -> None:
    out = io.StringIO()
    log = AuditLog(out, hash_key=AUDIT_HASH_KEY)
    a_record(log)
    a_record(log)
    first, second = (e["request_id"] for e in lines_of(out))
    assert len(first) == 32 and int(first, 16) >= 0
    assert first != second
    assert new_request_id() != new_request_id()


def test_refusal_without_identifier() -> None:
    out = io.StringIO()
    a_record(
        AuditLog(out, hash_key=AUDIT_HASH_KEY),
        action="refusal",
        outcome="denied",
        identifier=None,
        sections=(),
        cached=None,
        channel_id=None,
    )
    entry = lines_of(out)[0]
    assert entry["id_type"] is None and entry["id_hash"] is None
    assert entry["channel_id"] is None and entry["sections"] == [] and entry["cached"] is None
    assert "id_value" not in entry


def test_hash_is_stable_keyed_and_typed() -> None:
    first = identifier_hash(AUDIT_HASH_KEY, JANE)
    assert first == identifier_hash(AUDIT_HASH_KEY, JANE)
    assert first == identifier_hash(AUDIT_HASH_KEY.encode(), "email:jane@example.com")
    assert len(first) == HASH_HEX_CHARS and int(first, 16) >= 0
    assert first != identifier_hash("another-key", JANE)
    assert first != identifier_hash(AUDIT_HASH_KEY, Identifier("user_id", "jane@example.com"))
    assert first != identifier_hash(AUDIT_HASH_KEY, Identifier("email", "jane@example.org"))


def test_hash_matches_hmac_sha256() -> None:
    import hashlib
    import hmac

    expected = hmac.new(b"k3y", b"email:jane@example.com", hashlib.sha256).hexdigest()
    assert identifier_hash("k3y", JANE) == expected[:HASH_HEX_CHARS]


def test_empty_key_is_refused() -> None:
    with pytest.raises(ValueError):
        identifier_hash("", JANE)
    with pytest.raises(ValueError):
        AuditLog(io.StringIO(), hash_key="")


def test_clear_value_only_when_enabled() -> None:
    hidden, shown = io.StringIO(), io.StringIO()
    a_record(AuditLog(hidden, hash_key=AUDIT_HASH_KEY))
    a_record(AuditLog(shown, hash_key=AUDIT_HASH_KEY, clear_identifiers=True))
    assert "id_value" not in lines_of(hidden)[0]
    assert "jane@example.com" not in hidden.getvalue()
    assert lines_of(shown)[0]["id_value"] == "jane@example.com"
    assert lines_of(shown)[0]["id_hash"] == lines_of(hidden)[0]["id_hash"]


def test_detail_is_scrubbed_and_short() -> None:
    out = io.StringIO()
    detail = f"failed for jane@example.com with {SLACK_BOT_TOKEN} " + "x" * 500
    a_record(AuditLog(out, hash_key=AUDIT_HASH_KEY), detail=detail)
    written = lines_of(out)[0]["detail"]
    assert "jane@example.com" not in written and SLACK_BOT_TOKEN not in written
    assert len(written) <= 200


def test_odd_text_still_gives_valid_ascii_json() -> None:
    out = io.StringIO()
    a_record(
        AuditLog(out, hash_key=AUDIT_HASH_KEY),
        user_id="U\ud800X",
        detail='quote " newline \n tab \t bidi \u202e',
        sections=("tr\u00e4its",),
    )
    text = out.getvalue()
    assert text.isascii() and text.count("\n") == 1
    entry = json.loads(text)
    assert entry["sections"] == ["tr\u00e4its"]


def test_long_fields_are_cut() -> None:
    out = io.StringIO()
    a_record(AuditLog(out, hash_key=AUDIT_HASH_KEY), action="a" * 1000, user_id="U" * 1000)
    entry = lines_of(out)[0]
    assert len(entry["action"]) == 64 and len(entry["user_id"]) == 64


def test_file_sink_appends_whole_lines_with_private_mode(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_text('{"earlier": true}\n')
    os.chmod(path, 0o600)
    first = AuditLog.to_file(str(path), hash_key=AUDIT_HASH_KEY)
    a_record(first)
    # Line-buffered: the line is on disk before close().
    assert len(path.read_text().splitlines()) == 2
    first.close()
    second = AuditLog.to_file(str(path), hash_key=AUDIT_HASH_KEY)
    a_record(second, outcome="not_found")
    second.close()
    entries = [json.loads(line) for line in path.read_text().splitlines()]
    assert entries[0] == {"earlier": True}
    assert [e["outcome"] for e in entries[1:]] == ["shown", "not_found"]


def test_new_file_is_readable_by_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "new-audit.jsonl"
    log = AuditLog.to_file(str(path), hash_key=AUDIT_HASH_KEY)
    a_record(log)
    log.close()
    assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


def test_from_settings_uses_audit_log_path(tmp_path: Path) -> None:
    path = tmp_path / "from-settings.jsonl"
    settings = load_settings(
        settings_environ(AUDIT_LOG_PATH=str(path), AUDIT_CLEAR_IDENTIFIERS="true"),
        env_file=None,
    )
    log = AuditLog.from_settings(settings)
    a_record(log)
    log.close()
    entry = json.loads(path.read_text())
    assert entry["id_hash"] == identifier_hash(AUDIT_HASH_KEY, JANE)
    assert entry["id_value"] == "jane@example.com"


def test_from_settings_defaults_to_current_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    settings = load_settings(settings_environ(), env_file=None)
    log = AuditLog.from_settings(settings)
    a_record(log, identifier=None)
    entry = json.loads(capsys.readouterr().out)
    assert entry["action"] == "lookup" and "id_value" not in entry
    assert log._stream is None and sys.stdout is not None


def test_broken_sink_is_reported_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    closed = io.StringIO()
    closed.close()
    log = AuditLog(closed, hash_key=AUDIT_HASH_KEY)
    a_record(log)  # must not raise into a Slack listener
    assert any("audit record could not be written" in r.getMessage() for r in caplog.records)


def test_many_threads_write_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "threads.jsonl"
    log = AuditLog.to_file(str(path), hash_key=AUDIT_HASH_KEY)
    threads_count, per_thread = 16, 200
    start = threading.Barrier(threads_count)

    def work(n: int) -> None:
        start.wait()
        for i in range(per_thread):
            a_record(log, request_id=f"t{n}-{i}", detail="d" * (n * 37 % 180))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    log.close()
    lines = path.read_text().splitlines()
    assert len(lines) == threads_count * per_thread
    ids = {json.loads(line)["request_id"] for line in lines}
    assert len(ids) == threads_count * per_thread
