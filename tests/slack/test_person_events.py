"""Which Events API deliveries a person caused (so the gate runs and a listener answers), as data;
and the acting person and their team read from the event, as Bolt reads them."""

from __future__ import annotations

from typing import Any

import pytest
from slack_bolt.request.internals import extract_user_id

from bot.slack import payloads

IM = {"type": "message", "channel": "D1", "channel_type": "im", "user": "U1", "text": "x"}


def _delivery(event: dict[str, Any]) -> dict[str, Any]:
    return {"type": "event_callback", "team_id": "T1", "event_id": "Ev1", "event": event}


@pytest.mark.parametrize(
    ("event", "kind"),
    [
        (IM, "dm"),
        ({**IM, "thread_ts": "1.1"}, "dm"),
        ({**IM, "subtype": "file_share"}, "dm"),
        ({**IM, "subtype": "thread_broadcast"}, "dm"),
        ({**IM, "bot_id": "B1"}, None),  # another bot, or our own echo (no bot_message subtype)
        ({**IM, "subtype": "bot_message"}, None),
        ({**IM, "subtype": "message_changed", "user": None}, None),
        ({**IM, "subtype": "message_deleted", "user": None}, None),
        ({**IM, "subtype": "channel_join"}, None),
        ({**IM, "channel_type": "channel"}, None),  # not a DM: not subscribed, not answered
        ({"type": "app_mention", "user": "U1", "channel": "C1", "text": "<@B>"}, "mention"),
        ({"type": "app_mention", "user": "U1", "edited": {"user": "U1", "ts": "2"}}, None),
        ({"type": "app_mention", "user": "U1", "bot_id": "B2"}, None),
        ({"type": "app_home_opened", "user": "U1", "tab": "home"}, "home"),
        ({"type": "app_home_opened", "user": "U1"}, "home"),  # `tab` is optional
        ({"type": "app_home_opened", "user": "U1", "tab": "messages"}, None),
        ({"type": "subteam_members_changed", "subteam_id": "S1"}, None),
        ({"type": "app_mention"}, None),  # nobody named
    ],
)
def test_person_events(event: dict[str, Any], kind: str | None) -> None:
    body = _delivery(event)
    assert payloads.person_event_kind(body) == kind
    assert payloads.entry_kind(body) == kind


@pytest.mark.parametrize(
    "event",
    [IM, {"type": "app_mention", "user": "U1"}, {"type": "app_home_opened", "user": "U1"}],
)
def test_the_actor_of_a_person_event_is_read_as_bolt_reads_it(event: dict[str, Any]) -> None:
    # The gate refuses when its reading and Bolt's (context.user_id) differ.
    body = _delivery(event)
    assert payloads.user_id(body) == extract_user_id(body) == "U1"
    assert not payloads.user_conflict(body)


def test_the_team_of_a_person_in_a_shared_channel_comes_from_user_team() -> None:
    body = _delivery({**IM, "user_team": "T2"})
    assert payloads.user_team_id(body) == "T2"
    assert payloads.user_team_id(_delivery(IM)) is None  # then the delivery's team_id counts


def test_home_clicks_and_the_global_shortcut_name_their_entry_point() -> None:
    home_click = {"type": "block_actions", "view": {"type": "home"}, "user": {"id": "U1"}}
    modal_click = {"type": "block_actions", "view": {"type": "modal"}, "user": {"id": "U1"}}
    assert payloads.entry_point(home_click) == "home"
    assert payloads.entry_point(modal_click) == "action"
    assert payloads.entry_point({"type": "shortcut"}) == "global_shortcut"
    assert payloads.entry_point({"type": "message_action"}) == "shortcut"
