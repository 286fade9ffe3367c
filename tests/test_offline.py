"""`profile-bot offline`: one command serves the sample Profile API and the Slack stand-in and
prints the settings; `check` is all ✓ against them, and `run` serves cards through them."""

from __future__ import annotations

import signal
from pathlib import Path

from tests.support.cli_process import BotProcess, child_environ, free_port, run_bot


def _settings(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def test_offline_serves_both_stand_ins_for_check_and_run(tmp_path: Path) -> None:
    env_file = tmp_path / "offline.env"
    bot_port = free_port()
    offline = BotProcess.bot(
        "offline",
        "--profile-port",
        "0",
        "--slack-port",
        "0",
        "--bot-port",
        str(bot_port),
        "--write-env",
        str(env_file),
        environ=child_environ({}),
        cwd=tmp_path,
        stdin=True,
    )
    bot = None
    try:
        offline.wait_for_line("Then type an identifier here")
        printed = offline.output
        settings = _settings(env_file)
        # The printed lines are the ones written to the file, ready for `run` and `check`.
        for name, value in settings.items():
            assert f"  {name}={value}" in printed
        assert settings["SLACK_API_URL"].startswith("http://127.0.0.1:")
        assert "SLACK_APP_TOKEN" not in settings
        assert "cannot serve Socket Mode" in printed
        assert oct(env_file.stat().st_mode & 0o777) == "0o600"

        check = run_bot(
            "check", "--env-file", str(env_file), environ=child_environ({}), cwd=tmp_path
        )
        marks = [line[0] for line in check.stdout.splitlines() if line[:1] in ("✓", "✗")]
        assert check.returncode == 0, check.stdout + check.stderr
        assert marks and set(marks) == {"✓"}, check.stdout
        assert "@cs-team" in check.stdout and "token and space spa_offline accepted" in check.stdout

        bot = BotProcess.bot(
            "run",
            "--mode",
            "http",
            "--env-file",
            str(env_file),
            environ=child_environ({}),
            cwd=tmp_path,
        )
        bot.wait_http_ready(bot_port)
        offline.type_line("email:jane@example.com")
        offline.wait_for_line("Only visible to you", timeout=30)
        assert "Jane Doe" in offline.output and "Page Viewed" in offline.output
        bot.send_signal(signal.SIGTERM)
        assert bot.wait(20) == 0
        assert "will be unused" not in bot.output
    finally:
        if bot is not None:
            bot.kill()
        offline.send_signal(signal.SIGINT)
        offline.wait(10)
