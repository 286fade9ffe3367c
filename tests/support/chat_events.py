"""Events and payloads of the chatbot surfaces, shaped like Slack's (research notes §1–§3):
DM messages (message.im), @mentions, app_home_opened, Home tab clicks, the global shortcut."""

from __future__ import annotations

import itertools
import time
from typing import Any

from tests.support.harness import CHANNEL, LEGACY_TOKEN, MEMBER, TEAM, BotHarness, Sent

BOT_USER = "U0SANDBOXBOT"  # the sandbox's bot user (auth.test)
_SEQ = itertools.count(1)


def new_ts() -> str:
    """A fresh message ts like Slack's."""
    return f"{int(time.time())}.{next(_SEQ):06d}"


def _rich_text(text: str) -> list[dict[str, Any]]:
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
    return [{"type": "rich_text", "block_id": "rt1", "elements": [section]}]


def dm_event(
    bot: BotHarness, text: str, *, user: str = MEMBER, thread_ts: str | None = None, **extra: Any
) -> dict[str, Any]:
    """A person's message in the bot's DM (message.im)."""
    ts = new_ts()
    event: dict[str, Any] = {
        "type": "message",
        "channel": bot.slack.dm_channel(user),
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": "im",
        "client_msg_id": f"c{next(_SEQ)}",
        "team": TEAM,
        "blocks": _rich_text(text),
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    event.update(extra)
    return event


def mention_event(
    text: str, *, user: str = MEMBER, channel: str = CHANNEL, thread_ts: str | None = None
) -> dict[str, Any]:
    """`@profile-bot <text>` in a channel (in a thread when `thread_ts`)."""
    ts = new_ts()
    event: dict[str, Any] = {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER}> {text}".strip(),
        "ts": ts,
        "event_ts": ts,
        "channel": channel,
        "team": TEAM,
        "client_msg_id": f"c{next(_SEQ)}",
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def home_opened(bot: BotHarness, user: str = MEMBER, tab: str = "home") -> dict[str, Any]:
    """The person opened the bot's App Home (on `tab`)."""
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": bot.slack.dm_channel(user),
        "tab": tab,
        "event_ts": new_ts(),
    }


def post_global_shortcut(bot: BotHarness, *, user: str = MEMBER) -> Sent:
    """The global shortcut "Look up customer": no channel, no message, no response_url."""
    return bot.post_interaction(
        {
            "type": "shortcut",
            "token": LEGACY_TOKEN,
            "action_ts": f"{time.time():.6f}",
            "team": {"id": TEAM, "domain": "sandbox"},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM},
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": "search_profile",
            "trigger_id": bot.new_trigger_id(),
        }
    )


def post_home_action(
    bot: BotHarness,
    action_id: str,
    value: str,
    *,
    user: str = MEMBER,
    search: str | None = None,
) -> Sent:
    """A button on the person's Home tab: container type view, view.state holds the search box
    (no channel, no response_url)."""
    view = bot.slack.home_view(user)
    assert view is not None, "no Home tab published for this user"
    if search is not None:
        view["state"] = {
            "values": {
                "home_search_block": {
                    "home_search_input": {"type": "plain_text_input", "value": search}
                }
            }
        }
    return bot.post_interaction(
        {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "team_id": TEAM},
            "api_app_id": "A0SANDBOXAPP",
            "token": LEGACY_TOKEN,
            "container": {"type": "view", "view_id": view["id"]},
            "trigger_id": bot.new_trigger_id(),
            "team": {"id": TEAM, "domain": "sandbox"},
            "enterprise": None,
            "is_enterprise_install": False,
            "view": view,
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "b1",
                    "value": value,
                    "text": {"type": "plain_text", "text": "button"},
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
    )


def posted(bot: BotHarness, method: str, count: int = 1, **match: Any) -> list[dict[str, Any]]:
    """The params of the first `count` calls of `method` whose params match `match`."""
    deadline = time.monotonic() + 5.0
    while True:
        found = [
            c.params
            for c in bot.slack.calls(method)
            if all(c.params.get(k) == v for k, v in match.items())
        ]
        if len(found) >= count or time.monotonic() > deadline:
            assert len(found) >= count, f"{len(found)} {method} calls match {match}"
            return found
        time.sleep(0.01)
