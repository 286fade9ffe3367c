"""`profile-bot` running for real: HTTP mode (gunicorn + waitress), Socket Mode, SIGTERM, start-up.

Every test starts the bot as a child process (`python -m bot …`, or the Procfile's commands) with
settings pointing at the Profile API sandbox and the Slack sandbox in this process. Requests are
signed as Slack signs them and sent over loopback sockets; cards arrive at the sandbox's
response_url.
"""

from __future__ import annotations

import json
import re
import shlex
import signal
from pathlib import Path

import httpx
import pytest

from bot.sandbox import Fault, SlackApiSandbox, command_body, sign_headers
from bot.sandbox import credentials as test_secrets
from tests.support.cli_process import (
    REPO,
    BotProcess,
    bot_settings,
    child_environ,
    free_port,
    install_console_script,
    is_profile_card,
    stand_ins,
)
from tests.support.socket_mode_slack import SocketModeSlack, wait_until

JANE = "email:jane@example.com"
STOP_BOUND = 25.0  # seconds a SIGTERM may take, lookups in flight included (generous)


def _post_command(port: int, slack: SlackApiSandbox, text: str) -> tuple[httpx.Response, str]:
    url = slack.new_response_url()
    body = command_body(text, response_url=url)
    response = httpx.post(
        f"http://127.0.0.1:{port}/slack/events",
        content=body,
        headers=sign_headers(test_secrets.SLACK_SIGNING_SECRET, body),
        timeout=10,
    )
    return response, url


def _assert_clean_output(bot: BotProcess) -> None:
    bot.assert_no_secrets()
    assert "Traceback" not in bot.output
    assert "jane@example.com" not in bot.output  # identifiers never reach the logs


def _startup_line(bot: BotProcess) -> str:
    return bot.wait_for_line("profile-bot starting")


def test_no_command_runs_http_mode_under_gunicorn(tmp_path: Path) -> None:
    port = free_port()
    with stand_ins() as (sandbox, slack):
        # "localhost" for Slack, 127.0.0.1 for Segment: the start-up line must name each host.
        slack_url = slack.api_url.replace("127.0.0.1", "localhost")
        settings = bot_settings(
            sandbox,
            slack_url,
            PORT=str(port),
            SEGMENT_REGION="eu",
            PROFILE_SHARABLE_TRAITS="name",  # a typo: reported at start-up, not a failure
        )
        bot = BotProcess.bot(environ=child_environ(settings), cwd=tmp_path)
        try:
            health = bot.wait_http_ready(port)
            typo = bot.wait_for_line("PROFILE_SHARABLE_TRAITS")
            assert "WARNING" in typo
            assert "is not a setting; did you mean `PROFILE_SHAREABLE_TRAITS`?" in typo
            assert health.json()["ok"] is True
            assert health.json()["mode"] == "http"
            # gunicorn's master, waitress in the worker, under the bot's own name (no version).
            assert health.headers.get("server") == "profile-bot"

            line = _startup_line(bot)
            assert "HTTP mode" in line and f":{port}" in line
            assert "gunicorn + waitress" in line
            assert "region eu (127.0.0.1)" in line
            assert "Slack API localhost" in line
            assert "members of cs-team" in line

            ack, url = _post_command(port, slack, JANE)
            assert ack.status_code == 200
            assert ack.json()["response_type"] == "ephemeral"
            card = slack.wait_for_responses(url, 1, timeout=10)[0]
            assert is_profile_card(card, "Jane Doe")
            assert "Acme Corp" in json.dumps(card)

            forged_body = command_body(JANE, response_url=slack.new_response_url())
            forged = httpx.post(
                f"http://127.0.0.1:{port}/slack/events",
                content=forged_body,
                headers=sign_headers(test_secrets.SLACK_OTHER_SIGNING_SECRET, forged_body),
            )
            assert forged.status_code == 401

            bot.send_signal(signal.SIGTERM)
            assert bot.wait(STOP_BOUND) == 0
        finally:
            bot.kill()
    _assert_clean_output(bot)
    # SLACK_BOT_TOKEN is in the environment and the app gets a client: Bolt must not warn.
    assert "will be unused" not in bot.output


def test_sigterm_lets_the_lookup_in_flight_answer(tmp_path: Path) -> None:
    port = free_port()
    with stand_ins() as (sandbox, slack):
        settings = bot_settings(sandbox, slack.api_url, PORT=str(port))
        bot = BotProcess.bot("run", "--mode", "http", environ=child_environ(settings), cwd=tmp_path)
        try:
            bot.wait_http_ready(port)
            sandbox.add_fault(Fault(route="events", latency=1.5))
            ack, url = _post_command(port, slack, JANE)
            assert ack.status_code == 200
            wait_until(lambda: sandbox.request_count("traits") >= 1)
            assert slack.responses(url) == []  # the lookup is in flight
            assert bot.popen.poll() is None

            bot.send_signal(signal.SIGTERM)
            card = slack.wait_for_responses(url, 1, timeout=15)[0]
            assert is_profile_card(card, "Jane Doe")
            assert bot.wait(STOP_BOUND) == 0
        finally:
            bot.kill()
    _assert_clean_output(bot)


def test_a_bad_setting_is_reported_before_gunicorn_starts(tmp_path: Path) -> None:
    with stand_ins() as (sandbox, slack):
        settings = bot_settings(
            sandbox,
            slack.api_url,
            PORT=str(free_port()),
            PROFILE_CACHE_ENCRYPTION_KEY="not-a-fernet-key",
        )
        bot = BotProcess.bot("run", "--mode", "http", environ=child_environ(settings), cwd=tmp_path)
        try:
            assert bot.wait(20) == 2
        finally:
            bot.kill()
    assert "configuration problem: PROFILE_CACHE_ENCRYPTION_KEY" in bot.output
    assert "Starting gunicorn" not in bot.output
    assert "profile-bot starting" not in bot.output
    _assert_clean_output(bot)


def test_app_token_selects_socket_mode_which_serves_and_drains_on_sigterm(
    tmp_path: Path,
) -> None:
    with (
        stand_ins() as (sandbox, slack),
        SocketModeSlack(slack, app_token=test_secrets.SLACK_APP_TOKEN) as socket_slack,
    ):
        settings = bot_settings(
            sandbox, socket_slack.api_url, SLACK_APP_TOKEN=test_secrets.SLACK_APP_TOKEN
        )
        bot = BotProcess.bot(environ=child_environ(settings), cwd=tmp_path)
        try:
            socket_slack.wait_connected(timeout=15)
            line = _startup_line(bot)
            assert "Socket Mode" in line and "members of cs-team" in line

            url = socket_slack.new_response_url()
            envelope = socket_slack.send_command(command_body(JANE, response_url=url))
            assert socket_slack.wait_ack(envelope)["response_type"] == "ephemeral"
            assert is_profile_card(slack.wait_for_responses(url, 1, timeout=10)[0], "Jane Doe")

            sandbox.add_fault(Fault(route="events", latency=1.5))
            url = socket_slack.new_response_url()
            ident = "email:tom.becker@example.org"
            envelope = socket_slack.send_command(command_body(ident, response_url=url))
            socket_slack.wait_ack(envelope)
            wait_until(lambda: sandbox.request_count("events") >= 1 or bool(slack.responses(url)))
            assert slack.responses(url) == []  # in flight

            bot.send_signal(signal.SIGTERM)
            card = slack.wait_for_responses(url, 1, timeout=15)[0]
            assert is_profile_card(card, "Tom Becker")
            assert bot.wait(STOP_BOUND) == 0
            assert not socket_slack.connected()
        finally:
            bot.kill()
    _assert_clean_output(bot)
    assert "will be unused" not in bot.output  # Bolt has nothing to warn about


def test_socket_mode_with_a_refused_app_token_fails_naming_it(tmp_path: Path) -> None:
    # The plain Slack sandbox knows no app-level token: apps.connections.open → invalid_auth.
    with stand_ins() as (sandbox, slack):
        settings = bot_settings(
            sandbox, slack.api_url, SLACK_APP_TOKEN=test_secrets.SLACK_APP_TOKEN
        )
        bot = BotProcess.bot(environ=child_environ(settings), cwd=tmp_path)
        try:
            assert bot.wait(20) == 2
        finally:
            bot.kill()
        assert [c.method for c in slack.calls()] == ["apps.connections.open"]
    assert "configuration problem: SLACK_APP_TOKEN: was refused by Slack (invalid_auth)" in (
        bot.output
    )
    _assert_clean_output(bot)


def test_socket_mode_without_a_reachable_slack_fails_naming_the_url(tmp_path: Path) -> None:
    with stand_ins() as (sandbox, _slack):
        closed = f"http://127.0.0.1:{free_port()}/api/"
        settings = bot_settings(sandbox, closed, SLACK_APP_TOKEN=test_secrets.SLACK_APP_TOKEN)
        bot = BotProcess.bot("run", environ=child_environ(settings), cwd=tmp_path)
        try:
            assert bot.wait(20) == 1
        finally:
            bot.kill()
    assert re.search(r"cannot start: .*SLACK_API_URL", bot.output)
    _assert_clean_output(bot)


# -- Procfile ----------------------------------------------------------------------------------


def _procfile() -> dict[str, str]:
    entries = {}
    for raw in (REPO / "Procfile").read_text().splitlines():
        if raw.strip() and not raw.lstrip().startswith("#"):
            name, _, command = raw.partition(":")
            entries[name.strip()] = command.strip()
    return entries


def test_procfile_declares_http_web_and_socket_mode_worker() -> None:
    entries = _procfile()
    assert set(entries) == {"web", "worker"}
    assert shlex.split(entries["web"]) == ["profile-bot", "run", "--mode", "http"]
    assert shlex.split(entries["worker"]) == ["profile-bot", "run", "--mode", "socket"]


def test_procfile_web_serves_on_port(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    install_console_script(bin_dir)
    port = free_port()
    with stand_ins() as (sandbox, slack):
        environ = child_environ(
            bot_settings(sandbox, slack.api_url, PORT=str(port)), path_prefix=bin_dir
        )
        # The platform runs the line with a shell, PORT in the environment.
        bot = BotProcess(_procfile()["web"], environ, cwd=tmp_path, shell=True)
        try:
            bot.wait_http_ready(port)
            ack, url = _post_command(port, slack, JANE)
            assert ack.status_code == 200
            assert is_profile_card(slack.wait_for_responses(url, 1, timeout=10)[0], "Jane Doe")
            # A platform stops a dyno by sending SIGTERM to every process in it (the shell too).
            bot.signal_group(signal.SIGTERM)
            bot.wait_group(STOP_BOUND)
        finally:
            bot.kill()
    assert "Shutting down: Master" in bot.output
    _assert_clean_output(bot)


def test_procfile_worker_connects_over_socket_mode(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    install_console_script(bin_dir)
    with (
        stand_ins() as (sandbox, slack),
        SocketModeSlack(slack, app_token=test_secrets.SLACK_APP_TOKEN) as socket_slack,
    ):
        settings = bot_settings(
            sandbox, socket_slack.api_url, SLACK_APP_TOKEN=test_secrets.SLACK_APP_TOKEN
        )
        environ = child_environ(settings, path_prefix=bin_dir)
        bot = BotProcess(_procfile()["worker"], environ, cwd=tmp_path, shell=True)
        try:
            socket_slack.wait_connected(timeout=15)
            url = socket_slack.new_response_url()
            socket_slack.send_command(command_body(JANE, response_url=url))
            assert is_profile_card(slack.wait_for_responses(url, 1, timeout=10)[0], "Jane Doe")
            bot.signal_group(signal.SIGTERM)
            bot.wait_group(STOP_BOUND)
        finally:
            bot.kill()
    assert "profile-bot stopped" in bot.output
    _assert_clean_output(bot)


@pytest.mark.parametrize("app_token", [None, "refused"])
def test_procfile_worker_fails_cleanly_without_a_usable_app_token(
    tmp_path: Path, app_token: str | None
) -> None:
    bin_dir = tmp_path / "bin"
    install_console_script(bin_dir)
    with stand_ins() as (sandbox, slack):
        extra = {} if app_token is None else {"SLACK_APP_TOKEN": test_secrets.SLACK_APP_TOKEN}
        environ = child_environ(bot_settings(sandbox, slack.api_url, **extra), path_prefix=bin_dir)
        bot = BotProcess(_procfile()["worker"], environ, cwd=tmp_path, shell=True)
        try:
            assert bot.wait(20) == 2
        finally:
            bot.kill()
    assert "configuration problem: SLACK_APP_TOKEN" in bot.output
    _assert_clean_output(bot)


def test_startup_line_names_who_may_use_it_and_no_secret() -> None:
    from bot.serve import startup_line
    from bot.settings import load_settings

    redis_url = f"redis://:{test_secrets.CACHE_ENCRYPTION_KEY}@redis.internal:6379/0"
    settings = load_settings(
        test_secrets.settings_environ(
            PROFILE_ALLOWED_USERGROUPS="",
            PROFILE_ALLOW_ALL_USERS="true",
            REDIS_URL=redis_url,
            SLACK_APP_TOKEN=test_secrets.SLACK_APP_TOKEN,
        ),
        env_file=None,
    )
    line = startup_line(settings, "socket")
    assert "Socket Mode" in line
    assert "region us (profiles.segment.com)" in line and "Slack API slack.com" in line
    assert "may use it: everyone (PROFILE_ALLOW_ALL_USERS=true)" in line
    assert "shared state: Redis" in line and "redis.internal" not in line
    assert not [name for name, value in test_secrets.SECRETS if value in line]
