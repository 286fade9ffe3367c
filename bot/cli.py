"""`profile-bot`: run the bot, or demo, check and sandbox; configuration errors in plain words."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.settings import Settings, SettingsError, load_settings

DESCRIPTION = "Look a customer up in Twilio Segment without leaving Slack."
EPILOG = (
    "Settings come from the environment and from ./.env (see .env.example). With no command, "
    "profile-bot runs the bot."
)
DEFAULT_ENV_FILE = ".env"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command and its --help."""
    parser = argparse.ArgumentParser(prog="profile-bot", description=DESCRIPTION, epilog=EPILOG)
    _add_run_options(parser, top_level=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run the bot (the default when no command is given)",
        description="Run the bot: Socket Mode when SLACK_APP_TOKEN is set, else HTTP mode on "
        "$PORT (default 3000) under gunicorn (POST /slack/events, GET /healthz). SIGTERM or "
        "Ctrl-C stops it after the lookups in flight have answered.",
    )
    _add_run_options(run, top_level=False)

    demo = commands.add_parser(
        "demo",
        help="show a card offline: sandbox Segment, sandbox Slack, the real app",
        description="Start the sandbox Profile API and a sandbox Slack Web API in-process, send "
        "a signed /profile request through the real app and print the card it answers with. "
        "Needs no settings and no network.",
    )
    demo.add_argument(
        "identifier",
        nargs="?",
        help="what to look up, e.g. jane@example.com (default: a sample customer; the others "
        "are listed)",
    )
    demo.add_argument(
        "--dm",
        metavar="TEXT",
        help="show a DM exchange instead: TEXT is what you write to the bot in its DM, e.g. "
        "jane@example.com (several identifiers get several cards; none gets the help text)",
    )
    demo.add_argument(
        "--json",
        action="store_true",
        help="print the card's Block Kit JSON (paste it into the Block Kit Builder)",
    )

    check = commands.add_parser(
        "check",
        help="validate the settings and reach Slack and Segment",
        description="Check the settings, Slack (auth.test, scopes, user groups, Socket Mode "
        "token), Redis when REDIS_URL is set, and the Profile API (token and space). Prints one "
        "line per item (✓ or ✗ with the fix); exits 1 if any check fails, 2 if a setting is "
        "missing or malformed.",
    )
    _add_env_file(check, top_level=False)

    sandbox = commands.add_parser(
        "sandbox",
        help="serve a local Profile API with sample customers",
        description="Serve an offline sandbox for the Segment Profile API on 127.0.0.1 with "
        "bundled sample customers (Ctrl-C stops it). Point SEGMENT_PROFILE_API_URL at it.",
    )
    sandbox.add_argument("--port", type=int, default=8765, help="port (default 8765; 0: any)")
    sandbox.add_argument(
        "--token", default="sandbox-token", help="access token it accepts (default sandbox-token)"
    )
    sandbox.add_argument("--space", default="spa_sandbox", help="space id (default spa_sandbox)")

    offline = commands.add_parser(
        "offline",
        help="serve the sample Profile API and a Slack stand-in for `run` and `check`",
        description="Serve the sample Segment Profile API and a stand-in for Slack's Web API on "
        "127.0.0.1, and print the settings that point `profile-bot run --mode http` and "
        "`profile-bot check` at them (HTTP mode: the stand-in cannot serve Socket Mode). Each "
        "identifier typed afterwards is sent to the running bot as /profile and its card is "
        "printed. Ctrl-C stops.",
    )
    offline.add_argument(
        "--profile-port", type=int, default=8765, help="Profile API port (default 8765; 0: any)"
    )
    offline.add_argument(
        "--slack-port", type=int, default=8766, help="Slack stand-in port (default 8766; 0: any)"
    )
    offline.add_argument(
        "--bot-port", type=int, default=3000, help="PORT the bot will listen on (default 3000)"
    )
    offline.add_argument(
        "--write-env",
        metavar="PATH",
        type=Path,
        help="also write the settings to PATH (then: profile-bot run --env-file PATH)",
    )
    return parser


def _add_run_options(parser: argparse.ArgumentParser, *, top_level: bool) -> None:
    # The sub-command copies default to SUPPRESS so `profile-bot --mode http run` keeps the
    # top-level value instead of having it reset by the sub-command's default.
    parser.add_argument(
        "--mode",
        choices=("auto", "http", "socket"),
        default="auto" if top_level else argparse.SUPPRESS,
        help="auto (default): Socket Mode when SLACK_APP_TOKEN is set, else HTTP",
    )
    _add_env_file(parser, top_level=top_level)


def _add_env_file(parser: argparse.ArgumentParser, *, top_level: bool) -> None:
    parser.add_argument(
        "--env-file",
        default=None if top_level else argparse.SUPPRESS,
        metavar="PATH",
        help="settings file read under the environment (default ./.env, if present)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `profile-bot` command; returns the exit code."""
    args = build_parser().parse_args(argv)
    command = args.command or "run"
    try:
        if command == "sandbox":
            from bot.sandbox.profile_api import serve_forever

            serve_forever(port=args.port, token=args.token, space_id=args.space)
            return 0
        if command == "offline":
            from bot.offline import run_offline

            return run_offline(
                profile_port=args.profile_port,
                slack_port=args.slack_port,
                bot_port=args.bot_port,
                env_file=args.write_env,
            )
        if command == "demo":
            if args.dm is not None:
                from bot.demo_dm import run_dm_demo

                return run_dm_demo(args.dm, as_json=args.json)
            from bot.demo import run_demo

            return run_demo(args.identifier, as_json=args.json)
        if command == "check":
            return _check(args.env_file)
        settings = _settings(args.env_file)
        from bot.serve import StartError, run_bot

        try:
            return run_bot(settings, mode=args.mode)
        except StartError as error:
            print(f"profile-bot: cannot start: {error}", file=sys.stderr)
            return 1
    except SettingsError as error:
        print(f"profile-bot: configuration problem: {error}", file=sys.stderr)
        print("See .env.example for every setting.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `profile-bot demo | head`: the reader left; say nothing more (and no traceback at exit).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def _settings(env_file: str | None) -> Settings:
    if env_file is not None and not Path(env_file).is_file():
        raise SettingsError(
            "--env-file",
            f"names {env_file}, which is not a file",
            "Give the path of your settings file, or leave --env-file out to read ./.env",
        )
    return load_settings(env_file=env_file if env_file is not None else DEFAULT_ENV_FILE)


def _check(env_file: str | None) -> int:
    from bot.check import CheckResult, run_checks
    from bot.logs import configure_logging, configured_secrets

    try:
        settings = _settings(env_file)
    except SettingsError as error:
        # The same ✗ line as every other item; exit 2 still tells scripts it is a setting.
        print(CheckResult(False, f"Settings: {error.setting} {error.problem}", error.fix).render())
        print(
            "\nThe other checks need valid settings: fix this one and run profile-bot check again"
        )
        return 2
    # The report is the output; library warnings would only repeat its lines (DEBUG still shows).
    level = "DEBUG" if settings.log_level == "DEBUG" else "CRITICAL"
    configure_logging(level, secrets=configured_secrets(settings))
    results = run_checks(settings)
    for result in results:
        print(result.render(), flush=True)
    failed = sum(not r.ok for r in results)
    if failed:
        print(
            f"\n{failed} of {len(results)} checks failed: fix "
            f"{'it' if failed == 1 else 'them'} and run profile-bot check again"
        )
        return 1
    print(f"\nAll {len(results)} checks passed")
    return 0
