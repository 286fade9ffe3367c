"""`profile-bot demo --dm TEXT` as a child process: a signed DM goes through the real app offline
and the DM replies are printed (or their Block Kit JSON), with no settings at all."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.blockkit import assert_valid_message
from tests.support.cli_process import child_environ, run_bot


def _demo(tmp_path: Path, *args: str) -> str:
    result = run_bot("demo", *args, environ=child_environ({}), cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result.stdout


def test_a_dm_exchange_is_printed(tmp_path: Path) -> None:
    out = _demo(tmp_path, "--dm", "jane@example.com")
    assert "You write to @profile-bot in its DM:  jane@example.com" in out
    assert "\n  Jane Doe\n  ════════" in out
    assert "[ Share ]" in out  # a DM card keeps every button


def test_the_json_of_a_dm_exchange_is_valid_block_kit(tmp_path: Path) -> None:
    replies = json.loads(_demo(tmp_path, "--dm", "hello", "--json"))
    assert len(replies) == 1
    assert_valid_message({"text": "help", **replies[0]})
