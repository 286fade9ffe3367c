"""The `profile-bot` command line: --help everywhere, configuration errors in plain words, the
sandbox command. Each test runs the real command as a child process in an empty directory."""

from __future__ import annotations

import re
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from bot.sandbox import credentials as test_secrets
from tests.support.cli_process import BotProcess, child_environ, run_bot

COMMANDS = ("run", "demo", "check", "sandbox", "offline")


def _env(**settings: str) -> dict[str, str]:
    return child_environ(settings)


def _assert_plain_error(result_output: str, setting: str) -> None:
    assert f"profile-bot: configuration problem: {setting}" in result_output
    assert "Traceback" not in result_output
    assert "See .env.example" in result_output


def _assert_check_cross(result: subprocess.CompletedProcess[str], item: str) -> None:
    # `check` reports a bad setting as its one ✗ line (with the fix), and still exits 2.
    assert result.returncode == 2
    assert result.stdout.startswith(f"✗ Settings: {item}"), result.stdout
    assert " — fix: " in result.stdout.splitlines()[0]
    assert "Traceback" not in result.stdout + result.stderr


def test_help_lists_every_command(tmp_path: Path) -> None:
    result = run_bot("--help", environ=_env(), cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("usage: profile-bot")
    for command in COMMANDS:
        assert re.search(rf"^\s+{command}\s+\S", result.stdout, re.MULTILINE), command
    assert "--mode" in result.stdout and "--env-file" in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(tmp_path: Path, command: str) -> None:
    result = run_bot(command, "--help", environ=_env(), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: profile-bot {command}")
    assert result.stderr == ""


def test_an_unknown_command_is_a_usage_error(tmp_path: Path) -> None:
    result = run_bot("serve", environ=_env(), cwd=tmp_path)
    assert result.returncode == 2
    assert "invalid choice: 'serve'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [(), ("run",), ("--mode", "http", "run")])
def test_missing_settings_are_named_without_a_traceback(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    result = run_bot(*args, environ=_env(), cwd=tmp_path, timeout=20)
    assert result.returncode == 2
    assert result.stdout == ""
    _assert_plain_error(result.stderr, "SLACK_BOT_TOKEN: is not set")


def test_check_shows_a_missing_setting_as_a_cross(tmp_path: Path) -> None:
    result = run_bot("check", environ=_env(), cwd=tmp_path, timeout=20)
    _assert_check_cross(result, "SLACK_BOT_TOKEN is not set")


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("SLACK_BOT_TOKEN", "xapp-looks-like-an-app-token-SECRETVALUE", "does not look like"),
        ("SEGMENT_SPACE_ID", "", "is not set"),
        ("SEGMENT_PROFILE_API_URL", "http://profiles.example.com", "must use https://"),
        ("PROFILE_ALLOWED_USERGROUPS", "", "is not set"),
        ("PORT", "http", ""),
        ("LOG_LEVEL", "LOUD", ""),
    ],
)
def test_a_bad_setting_is_named_with_its_fix(
    tmp_path: Path, name: str, value: str, problem: str
) -> None:
    settings = test_secrets.settings_environ(**{name: value})
    result = run_bot("run", environ=_env(**settings), cwd=tmp_path, timeout=20)
    assert result.returncode == 2
    _assert_plain_error(result.stderr, f"{name}: {problem}")
    assert "SECRETVALUE" not in result.stderr  # a secret's value is never echoed
    assert "Starting gunicorn" not in result.stderr


def test_mode_given_before_the_command_is_kept(tmp_path: Path) -> None:
    # No app token: asking for Socket Mode, either way round, is refused naming the setting.
    settings = _env(**test_secrets.settings_environ())
    for args in (("--mode", "socket", "run"), ("run", "--mode", "socket"), ("--mode", "socket")):
        result = run_bot(*args, environ=settings, cwd=tmp_path, timeout=20)
        assert result.returncode == 2, args
        _assert_plain_error(result.stderr, "SLACK_APP_TOKEN: is not set")


def test_http_mode_needs_the_signing_secret_even_with_an_app_token(tmp_path: Path) -> None:
    settings = test_secrets.settings_environ(SLACK_APP_TOKEN=test_secrets.SLACK_APP_TOKEN)
    del settings["SLACK_SIGNING_SECRET"]
    result = run_bot("run", "--mode", "http", environ=_env(**settings), cwd=tmp_path, timeout=20)
    assert result.returncode == 2
    _assert_plain_error(result.stderr, "SLACK_SIGNING_SECRET: is not set")


def test_a_missing_env_file_is_named(tmp_path: Path) -> None:
    result = run_bot("check", "--env-file", "nowhere.env", environ=_env(), cwd=tmp_path)
    _assert_check_cross(result, "--env-file names nowhere.env, which is not a file")
    result = run_bot("run", "--env-file", "nowhere.env", environ=_env(), cwd=tmp_path)
    assert result.returncode == 2
    _assert_plain_error(result.stderr, "--env-file: names nowhere.env, which is not a file")


def test_settings_come_from_dot_env_in_the_working_directory(tmp_path: Path) -> None:
    # Everything but the space id in .env, so the error proves the file was read.
    settings = test_secrets.settings_environ()
    del settings["SEGMENT_SPACE_ID"]
    (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
    result = run_bot("check", environ=_env(), cwd=tmp_path, timeout=20)
    _assert_check_cross(result, "SEGMENT_SPACE_ID is not set")
    # The environment wins over the file.
    result = run_bot("check", environ=_env(SLACK_BOT_TOKEN="bad"), cwd=tmp_path, timeout=20)
    _assert_check_cross(result, "SLACK_BOT_TOKEN does not look like")


def test_sandbox_command_serves_the_profile_api(tmp_path: Path) -> None:
    sandbox = BotProcess.bot(
        "sandbox", "--port", "0", "--token", "cli-token", "--space", "spa_cli",
        environ=_env(),
        cwd=tmp_path,
    )  # fmt: skip
    try:
        line = sandbox.wait_for_line("Profile API sandbox at", timeout=15)
        base_url = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
        assert base_url is not None
        traits = f"{base_url.group(1)}v1/spaces/spa_cli/collections/users/profiles/"
        traits += "email:jane%40example.com/traits?limit=200"
        assert httpx.get(traits, auth=("wrong", ""), timeout=5).status_code == 401
        answer = httpx.get(traits, auth=("cli-token", ""), timeout=5)
        assert answer.status_code == 200
        assert answer.json()["traits"]["name"] == "Jane Doe"
        sandbox.send_signal(signal.SIGINT)
        assert sandbox.wait(10) in (0, 130)
    finally:
        sandbox.kill()
    assert "Traceback" not in sandbox.output
