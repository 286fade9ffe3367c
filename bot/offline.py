"""`profile-bot offline`: the sample Profile API and the Slack stand-in, served together, with the
settings that point `profile-bot run` and `profile-bot check` at them.

The Slack stand-in answers the Web API (auth.test, user groups, views, chat, response_urls) but
cannot open a Socket Mode connection, so the printed settings are for HTTP mode. Slack itself
never calls the bot offline: identifiers typed here are sent to the running bot as signed
`/profile` requests, and the card it answers with is printed.
"""

from __future__ import annotations

import os
import secrets
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

import httpx

from bot.sandbox import ProfileApiSandbox, SlackApiSandbox, command_body, sign_headers
from bot.slack.cards.options import CardOptions
from bot.slack.cards.step_outputs import step_definition
from bot.slack.component_ids import LOOKUP_STEP
from bot.terminal_card import render_message

OFFLINE_USER = "U0OFFLINE1"
OFFLINE_GROUP = ("S0OFFLINE1", "cs-team")
OFFLINE_SPACE = "spa_offline"
DEFAULT_BOT_PORT = 3000
CARD_TIMEOUT_SECONDS = 20.0


def offline_settings(
    profile_api: ProfileApiSandbox, slack: SlackApiSandbox, *, bot_token: str, bot_port: int
) -> dict[str, str]:
    """The settings (as environment lines) for a bot that uses the two stand-ins."""
    return {
        "SLACK_BOT_TOKEN": bot_token,
        "SLACK_SIGNING_SECRET": "offline-" + secrets.token_hex(16),
        "SLACK_API_URL": slack.api_url,
        "SEGMENT_SPACE_ID": profile_api.space_id,
        "SEGMENT_ACCESS_TOKEN": profile_api.token,
        "SEGMENT_PROFILE_API_URL": profile_api.base_url,
        "PROFILE_ALLOWED_USERGROUPS": OFFLINE_GROUP[1],
        "PORT": str(bot_port),
    }


def run_offline(
    *,
    profile_port: int = 8765,
    slack_port: int = 8766,
    bot_port: int = DEFAULT_BOT_PORT,
    env_file: Path | None = None,
    lines: Iterable[str] | None = None,
    out: TextIO | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Serve both stand-ins until Ctrl-C (or `stop`); each line read is sent as `/profile`."""
    stream = out or sys.stdout
    bot_token = "xoxb-offline-" + secrets.token_hex(12)
    with (
        ProfileApiSandbox(
            port=profile_port, token="offline-" + secrets.token_hex(12), space_id=OFFLINE_SPACE
        ) as profile_api,
        SlackApiSandbox(port=slack_port, bot_token=bot_token) as slack,
    ):
        slack.add_user(OFFLINE_USER, email="cs.agent@example.com", name="cs-agent")
        slack.add_usergroup(OFFLINE_GROUP[0], OFFLINE_GROUP[1], [OFFLINE_USER])
        settings = offline_settings(profile_api, slack, bot_token=bot_token, bot_port=bot_port)
        # As an app created from manifest.yml, the Slack sandbox knows the workflow step.
        slack.declare_function(LOOKUP_STEP, step_definition(CardOptions()))
        if env_file is not None:
            _write_env_file(env_file, settings)
        stream.write(_instructions(profile_api, slack, settings, env_file))
        stream.flush()
        waiter = stop or threading.Event()
        try:
            for line in lines if lines is not None else sys.stdin:
                if waiter.is_set():
                    break
                if line.strip():
                    stream.write(send_lookup(slack, settings, line.strip()) + "\n\n")
                    stream.flush()
            # No more input (or none at all, e.g. started in the background): keep serving.
            while not waiter.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    return 0


def send_lookup(slack: SlackApiSandbox, settings: dict[str, str], text: str) -> str:
    """Send a signed `/profile <text>` to the running bot; the answer as terminal text."""
    url = f"http://127.0.0.1:{settings['PORT']}/slack/events"
    response_url = slack.new_response_url()
    body = command_body(text, user_id=OFFLINE_USER, response_url=response_url)
    try:
        answer = httpx.post(
            url,
            content=body,
            headers=sign_headers(settings["SLACK_SIGNING_SECRET"], body),
            timeout=10,
        )
    except httpx.HTTPError as error:
        return f"The bot did not answer at {url} ({type(error).__name__}): is it running?"
    if answer.status_code != 200:
        return f"The bot answered HTTP {answer.status_code} at {url}."
    shown = []
    if answer.headers.get("content-type", "").startswith("application/json"):
        shown.append(render_message(answer.json()))
    try:
        card = slack.wait_for_responses(response_url, count=1, timeout=CARD_TIMEOUT_SECONDS)[-1]
    except TimeoutError:
        if shown:
            return shown[0]
        return f"No card arrived within {CARD_TIMEOUT_SECONDS:g} s."
    shown.append(render_message(card))
    return "\n\n".join(shown)


def _write_env_file(path: Path, settings: dict[str, str]) -> None:
    # The lines hold the stand-ins' made-up tokens; still, only the owner needs to read them.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("".join(f"{name}={value}\n" for name, value in settings.items()))


def _instructions(
    profile_api: ProfileApiSandbox,
    slack: SlackApiSandbox,
    settings: dict[str, str],
    env_file: Path | None,
) -> str:
    where = str(env_file) if env_file is not None else "offline.env"
    saved = f"(also written to {where})" if env_file is not None else f"(save them as {where})"
    env_lines = "".join(f"  {name}={value}\n" for name, value in settings.items())
    return (
        f"Sample Segment Profile API at {profile_api.base_url}\n"
        f"Slack Web API stand-in at {slack.api_url}\n"
        "\n"
        f"Settings that point the bot at them {saved}:\n"
        f"{env_lines}"
        "\n"
        "They are for HTTP mode: the Slack stand-in cannot serve Socket Mode, so leave "
        "SLACK_APP_TOKEN unset.\n"
        "In another terminal:\n"
        f"  profile-bot check --env-file {where}\n"
        f"  profile-bot run --mode http --env-file {where}\n"
        "Then type an identifier here (e.g. email:jane@example.com) and press Enter: it is "
        "sent to the bot as /profile and the card is printed. Ctrl-C stops.\n"
        "\n"
    )
