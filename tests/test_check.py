"""`profile-bot check` against the Profile API sandbox and the Slack sandbox: all ✓ when the
settings are right; ✗ with the setting to change, and a non-zero exit, when they are not.

The headline cases run the real command as a child process; the rest call `run_checks` (the same
code, the same sockets) to stay fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot import cli
from bot.check import CheckResult, run_checks
from bot.sandbox import credentials as test_secrets
from bot.sandbox.redis_server import RedisServer, RedisServerMissing
from bot.sandbox.slack_state import DEFAULT_SCOPES
from bot.settings import load_settings
from tests.support.cli_process import (
    BotProcess,
    bot_settings,
    child_environ,
    free_port,
    run_bot,
    stand_ins,
)
from tests.support.socket_mode_slack import SocketModeSlack

# A valid Fernet key (the sandbox credentials' CACHE_ENCRYPTION_KEY is not one).
FERNET_KEY = Fernet.generate_key().decode()

ITEM = re.compile(r"^([✓✗]) (.+)$")


def _items(stdout: str) -> list[tuple[str, str]]:
    """(mark, rest of the line) of every item: one line each, a ✗ line carrying its fix."""
    items: list[tuple[str, str]] = []
    for line in stdout.splitlines():
        match = ITEM.match(line)
        if match:
            items.append((match.group(1), match.group(2)))
            assert (match.group(1) == "✗") == (" — fix: " in line), line
        else:
            assert line == "" or re.match(
                r"^(All \d+ checks passed|\d+ of \d+ checks failed|The other checks need)", line
            )
    return items


def _check(tmp_path: Path, settings: dict[str, str], *extra: str) -> tuple[int, list]:
    result = run_bot("check", *extra, environ=child_environ(settings), cwd=tmp_path)
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    leaked = [name for name, value in test_secrets.SECRETS if value in output]
    assert not leaked
    return result.returncode, _items(result.stdout)


def _failed(items: list[tuple[str, str]]) -> list[str]:
    return [label for mark, label in items if mark == "✗"]


@pytest.fixture
def rig() -> Iterator[tuple]:
    with stand_ins() as (sandbox, slack):
        yield sandbox, slack


def test_all_pass_against_the_sandbox_and_the_slack_stand_in(tmp_path: Path, rig: tuple) -> None:
    sandbox, slack = rig
    code, items = _check(tmp_path, bot_settings(sandbox, slack.api_url))
    assert code == 0
    assert items and all(mark == "✓" for mark, _ in items), items
    labels = "\n".join(label for _, label in items)
    assert "HTTP mode" in labels
    assert "authenticated as" in labels
    assert "all 14 bot scopes granted" in labels
    assert "@cs-team (S0CSTEAM), 1 member" in labels
    assert "token and space spa_sandbox accepted" in labels
    assert "Workflow step lookup_customer: enabled" in labels
    assert {c.method for c in slack.calls()} == {
        "auth.test",
        "usergroups.list",
        "bots.info",  # the app id, for the workflow step's line
        "functions.distributions.permissions.list",
    }


def test_all_pass_against_a_running_sandbox_command(tmp_path: Path) -> None:
    # `profile-bot sandbox` in its own process; settings from a file named with --env-file.
    port = free_port()
    sandbox = BotProcess.bot(
        "sandbox", "--port", str(port), environ=child_environ({}), cwd=tmp_path
    )
    try:
        sandbox.wait_for_line("Profile API sandbox at")
        with stand_ins() as (_unused, slack):
            settings = test_secrets.settings_environ(
                SLACK_API_URL=slack.api_url,
                SEGMENT_PROFILE_API_URL=f"http://127.0.0.1:{port}",
                PROFILE_ALLOWED_USERGROUPS="S0CSTEAM",
            )
            env_file = tmp_path / "bot.env"
            env_file.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
            code, items = _check(tmp_path, {}, "--env-file", str(env_file))
    finally:
        sandbox.kill()
    assert code == 0
    assert all(mark == "✓" for mark, _ in items), items
    assert any("Segment Profile API (127.0.0.1)" in label for _, label in items)


def test_a_wrong_segment_token_names_segment_access_token(tmp_path: Path, rig: tuple) -> None:
    sandbox, slack = rig
    settings = bot_settings(sandbox, slack.api_url, SEGMENT_ACCESS_TOKEN="not-the-token")
    code, items = _check(tmp_path, settings)
    assert code == 1
    (failed,) = _failed(items)
    assert "token refused" in failed and "fix: Set SEGMENT_ACCESS_TOKEN" in failed


def test_a_wrong_slack_token_names_slack_bot_token(tmp_path: Path, rig: tuple) -> None:
    sandbox, slack = rig
    settings = bot_settings(sandbox, slack.api_url, SLACK_BOT_TOKEN="xoxb-not-the-token")
    code, items = _check(tmp_path, settings)
    assert code == 1
    (failed,) = _failed(items)
    assert "invalid_auth" in failed and "fix: Set SLACK_BOT_TOKEN" in failed


def test_a_missing_scope_is_named(tmp_path: Path) -> None:
    scopes = DEFAULT_SCOPES.replace(",users:read.email", "")
    with stand_ins(scopes=scopes) as (sandbox, slack):
        code, items = _check(tmp_path, bot_settings(sandbox, slack.api_url))
    assert code == 1
    (failed,) = _failed(items)
    assert "missing bot scopes: users:read.email" in failed
    assert "manifest.yml" in failed and "reinstall" in failed


def test_a_group_that_does_not_exist_names_the_setting(tmp_path: Path, rig: tuple) -> None:
    sandbox, slack = rig
    settings = bot_settings(sandbox, slack.api_url, PROFILE_ALLOWED_USERGROUPS="cs-team,no-such")
    code, items = _check(tmp_path, settings)
    assert code == 1
    (failed,) = _failed(items)
    assert "'no-such' not found" in failed and "PROFILE_ALLOWED_USERGROUPS" in failed
    assert any("@cs-team" in label for mark, label in items if mark == "✓")


def test_a_missing_space_id_exits_2_naming_it(tmp_path: Path, rig: tuple) -> None:
    sandbox, slack = rig
    settings = bot_settings(sandbox, slack.api_url)
    del settings["SEGMENT_SPACE_ID"]
    code, items = _check(tmp_path, settings)
    assert code == 2
    (failed,) = _failed(items)
    assert failed.startswith("Settings: SEGMENT_SPACE_ID is not set — fix: Find it in Segment")
    assert items == [("✗", failed)]


def test_an_unedited_copy_of_the_example_shows_a_cross(tmp_path: Path) -> None:
    # `cp .env.example .env` and nothing else: no healthy-looking start, and check says why.
    (tmp_path / ".env").write_text(
        (Path(__file__).parents[1] / ".env.example").read_text(encoding="utf-8")
    )
    code, items = _check(tmp_path, {})
    assert code == 2
    (failed,) = _failed(items)
    assert "SLACK_BOT_TOKEN still holds the placeholder value from .env.example" in failed
    assert "SEGMENT_ACCESS_TOKEN" in failed
    assert "xoxb-your-bot-token" not in failed
    run = run_bot("run", environ=child_environ({}), cwd=tmp_path)
    assert run.returncode == 2
    assert "configuration problem: SLACK_BOT_TOKEN: still holds the placeholder" in run.stderr


def test_a_misspelt_setting_is_a_cross_naming_the_closest(tmp_path: Path, rig: tuple) -> None:
    sandbox, slack = rig
    settings = bot_settings(sandbox, slack.api_url, PROFILE_SHARABLE_TRAITS="name,plan")
    code, items = _check(tmp_path, settings)
    assert code == 1
    (failed,) = _failed(items)
    assert failed.startswith(
        "Settings: `PROFILE_SHARABLE_TRAITS` is not a setting; did you mean "
        "`PROFILE_SHAREABLE_TRAITS`? — fix: Rename it"
    )


# -- in-process: the same checks over the same sockets ------------------------------------------


def _run(sandbox, api_url: str, **overrides: str) -> list[CheckResult]:
    settings = load_settings(bot_settings(sandbox, api_url, **overrides), env_file=None)
    return run_checks(settings)


def _only_failure(results: list[CheckResult]) -> CheckResult:
    failed = [r for r in results if not r.ok]
    assert len(failed) == 1, [r.render() for r in results]
    assert failed[0].fix
    assert failed[0].render().startswith("✗ ")
    return failed[0]


def test_a_space_the_token_does_not_belong_to_names_segment_space_id(rig: tuple) -> None:
    sandbox, slack = rig
    failure = _only_failure(_run(sandbox, slack.api_url, SEGMENT_SPACE_ID="spa_other"))
    assert "spa_other" in failure.label and "SEGMENT_SPACE_ID" in (failure.fix or "")


def test_unreachable_services_name_their_url_settings(rig: tuple) -> None:
    sandbox, _slack = rig
    closed = f"http://127.0.0.1:{free_port()}/"
    results = _run(sandbox, closed + "api/", SEGMENT_PROFILE_API_URL=closed)
    failures = [r for r in results if not r.ok]
    assert len(failures) == 2
    assert "SLACK_API_URL" in (failures[0].fix or "")
    assert "SEGMENT_PROFILE_API_URL" in (failures[1].fix or "")


def test_groups_match_by_id_or_handle_in_any_case(rig: tuple) -> None:
    sandbox, slack = rig
    results = _run(sandbox, slack.api_url, PROFILE_ALLOWED_USERGROUPS="S0CSTEAM, @CS-Team")
    assert all(r.ok for r in results), [r.render() for r in results]


def test_a_free_plan_without_user_groups_points_to_allow_all(rig: tuple) -> None:
    sandbox, slack = rig
    slack.fail("usergroups.list", "plan_upgrade_required")
    failure = _only_failure(_run(sandbox, slack.api_url))
    assert "PROFILE_ALLOW_ALL_USERS=true" in (failure.fix or "")
    assert all(r.ok for r in _run(sandbox, slack.api_url, PROFILE_ALLOW_ALL_USERS="true"))


def test_socket_mode_app_token_is_checked(rig: tuple) -> None:
    sandbox, slack = rig
    token = test_secrets.SLACK_APP_TOKEN
    # The plain sandbox refuses every app-level token…
    failure = _only_failure(_run(sandbox, slack.api_url, SLACK_APP_TOKEN=token))
    assert "invalid_auth" in failure.label and "SLACK_APP_TOKEN" in (failure.fix or "")
    # …the Socket Mode front accepts this one.
    with SocketModeSlack(slack, app_token=token) as socket_slack:
        results = _run(sandbox, socket_slack.api_url, SLACK_APP_TOKEN=token)
        assert all(r.ok for r in results), [r.render() for r in results]
        assert socket_slack.connections_opened == 1
    assert any("Socket Mode app-level token accepted" in r.label for r in results)


def test_a_bad_cache_encryption_key_is_named(
    rig: tuple, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox, slack = rig
    env = bot_settings(sandbox, slack.api_url, PROFILE_CACHE_ENCRYPTION_KEY="not-a-fernet-key")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)  # no ./.env
    # Validated with every other setting at start-up: check stops there, naming it.
    assert cli.main(["check"]) == 2
    out = capsys.readouterr().out
    assert "✗ Settings: PROFILE_CACHE_ENCRYPTION_KEY key 1 of 1 is not a Fernet key" in out
    assert "not-a-fernet-key" not in out


def test_an_unreachable_redis_names_redis_url(rig: tuple) -> None:
    sandbox, slack = rig
    url = f"redis://:{test_secrets.AUDIT_HASH_KEY}@127.0.0.1:{free_port()}/0"
    failure = _only_failure(
        _run(sandbox, slack.api_url, REDIS_URL=url, PROFILE_CACHE_ENCRYPTION_KEY=FERNET_KEY)
    )
    assert "unreachable" in failure.label and "REDIS_URL" in (failure.fix or "")
    assert test_secrets.AUDIT_HASH_KEY not in failure.render()  # the password is never shown


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    try:
        server = RedisServer()
    except RedisServerMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    server.start()
    yield server
    server.close()


@pytest.mark.redis
def test_a_reachable_redis_with_encryption_passes(rig: tuple, redis_server: RedisServer) -> None:
    sandbox, slack = rig
    results = _run(
        sandbox, slack.api_url, REDIS_URL=redis_server.url, PROFILE_CACHE_ENCRYPTION_KEY=FERNET_KEY
    )
    assert all(r.ok for r in results), [r.render() for r in results]
    assert any(r.label.startswith("Redis (redis://127.0.0.1:") for r in results)
    assert any("encrypted" in r.label for r in results)


@pytest.mark.redis
def test_redis_without_an_encryption_key_fails_with_the_fix(
    rig: tuple, redis_server: RedisServer
) -> None:
    sandbox, slack = rig
    failure = _only_failure(_run(sandbox, slack.api_url, REDIS_URL=redis_server.url))
    assert "unencrypted" in failure.label
    assert "PROFILE_CACHE_ENCRYPTION_KEY" in (failure.fix or "")
    assert "Fernet.generate_key()" in (failure.fix or "")


def test_several_workers_without_redis_fail_the_check(rig: tuple) -> None:
    sandbox, slack = rig
    failure = _only_failure(_run(sandbox, slack.api_url, WEB_CONCURRENCY="2"))
    assert failure.label.startswith("WEB_CONCURRENCY: is 2 but REDIS_URL is not set")
    assert "card expired" in failure.label
    assert failure.fix is not None and "WEB_CONCURRENCY=1" in failure.fix
