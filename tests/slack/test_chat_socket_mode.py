"""Socket Mode serves the chatbot surfaces too: a DM, a mention, the Home tab and the global
shortcut arrive as envelopes on the WebSocket of a real `python -m bot` process."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bot.sandbox import credentials as test_secrets
from tests.support.cli_process import (
    MEMBER,
    BotProcess,
    bot_settings,
    child_environ,
    is_profile_card,
    stand_ins,
)
from tests.support.socket_mode_slack import SocketModeSlack, wait_until

TEAM = "T0SANDBOX"


def _event_callback(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "token": "legacy",
        "team_id": TEAM,
        "api_app_id": "A0SANDBOXAPP",
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{time.monotonic_ns()}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM, "user_id": "U0SANDBOXBOT", "is_bot": True}],
    }


def test_dm_mention_home_and_global_shortcut_over_socket_mode(tmp_path: Path) -> None:
    with (
        stand_ins() as (sandbox, slack),
        SocketModeSlack(slack, app_token=test_secrets.SLACK_APP_TOKEN) as socket_slack,
    ):
        slack.add_user(MEMBER, email="member@ourcompany.example")
        slack.add_channel("C0SUPPORT", name="cust-support")
        settings = bot_settings(
            sandbox, socket_slack.api_url, SLACK_APP_TOKEN=test_secrets.SLACK_APP_TOKEN
        )
        bot = BotProcess.bot(environ=child_environ(settings), cwd=tmp_path)
        try:
            socket_slack.wait_connected(timeout=15)
            dm = slack.dm_channel(MEMBER)
            ts = f"{int(time.time())}.000100"
            dm_event = {
                "type": "message",
                "channel": dm,
                "user": MEMBER,
                "text": "jane@example.com",
                "ts": ts,
                "event_ts": ts,
                "channel_type": "im",
            }
            socket_slack.wait_ack(
                socket_slack.send_envelope("events_api", _event_callback(dm_event))
            )
            wait_until(lambda: bool(slack.calls("chat.postMessage")), timeout=10)
            [card] = slack.calls("chat.postMessage")
            assert card.params["channel"] == dm and is_profile_card(card.params, "Jane Doe")

            mention = {
                "type": "app_mention",
                "user": MEMBER,
                "text": "<@U0SANDBOXBOT> tom.becker@example.org",
                "ts": ts,
                "event_ts": ts,
                "channel": "C0SUPPORT",
            }
            socket_slack.wait_ack(
                socket_slack.send_envelope("events_api", _event_callback(mention))
            )
            wait_until(lambda: bool(slack.calls("chat.postEphemeral")), timeout=10)
            assert is_profile_card(slack.calls("chat.postEphemeral")[0].params, "Tom Becker")

            home = {
                "type": "app_home_opened",
                "user": MEMBER,
                "channel": dm,
                "tab": "home",
                "event_ts": ts,
            }
            socket_slack.wait_ack(socket_slack.send_envelope("events_api", _event_callback(home)))
            wait_until(lambda: slack.home_view(MEMBER) is not None, timeout=10)

            shortcut = {
                "type": "shortcut",
                "callback_id": "search_profile",
                "trigger_id": "1.2.3abc",
                "team": {"id": TEAM},
                "user": {"id": MEMBER, "team_id": TEAM},
                "action_ts": str(time.time()),
            }
            socket_slack.wait_ack(socket_slack.send_envelope("interactive", shortcut))
            wait_until(lambda: bool(slack.calls("views.open")), timeout=10)
            assert slack.calls("views.open")[0].params["view"]["callback_id"] == "enter_identifier"
        finally:
            bot.kill()
