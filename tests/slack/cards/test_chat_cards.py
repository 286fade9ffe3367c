"""The chatbot's cards as data: the Home tab (and its refusal), DM help, the picker message, the
DM fallback note and the share confirmation's conversation choice; all valid and markup-safe."""

from __future__ import annotations

import json

from bot.identifiers import Identifier
from bot.slack import component_ids as ids
from bot.slack.cards import (
    build_denied_message,
    build_dm_help_message,
    build_home_refusal_view,
    build_home_view,
    build_pick_message,
    build_share_confirm_view,
    with_note,
)
from bot.slack.cards.chat import MENTION_FALLBACK_TEXT
from bot.slack.history import RecentLookup
from tests.slack.cards.profiles import OPTIONS, REF, full_profile
from tests.support.blockkit import assert_valid_message, assert_valid_view

EXAMPLES = ("email:jane@acme.com", "+15555550123", "user_id:u_123")
HOSTILE = "<!channel> *Mallory* <https://evil.example|click>"


def _entries(n: int) -> list[RecentLookup]:
    return [
        RecentLookup(f"id{i}", Identifier("email", f"c{i}@example.com"), HOSTILE, 1.7e9 + i)
        for i in range(n)
    ]


def test_home_view_with_hostile_names_is_valid_and_inert() -> None:
    view = build_home_view(_entries(10), examples=EXAMPLES, history_enabled=True, ttl=604800)
    assert_valid_view(view)
    assert view["type"] == "home" and "title" not in view
    values = [
        b["accessory"]["value"]
        for b in view["blocks"]
        if b.get("accessory", {}).get("action_id") == ids.HOME_RECENT
    ]
    assert values == [f"id{i}" for i in range(10)]  # opaque ids, no identifiers
    assert "7 days" in json.dumps(view)


def test_home_view_empty_off_and_notice() -> None:
    for view in (
        build_home_view([], examples=EXAMPLES, history_enabled=True, ttl=3600, notice=HOSTILE),
        build_home_view(_entries(3), examples=(), history_enabled=False, ttl=3600),
    ):
        assert_valid_view(view)
    off = build_home_view(_entries(3), examples=(), history_enabled=False, ttl=3600)
    assert ids.HOME_RECENT not in json.dumps(off)
    assert ids.HOME_CLEAR_HISTORY not in json.dumps(off)


def test_home_refusal_shows_only_the_refusal() -> None:
    view = build_home_refusal_view(build_denied_message(["@cs-team"]))
    assert_valid_view(view)
    assert ids.HOME_SEARCH not in json.dumps(view)


def test_dm_help_and_picker_and_fallback_note() -> None:
    assert_valid_message(build_dm_help_message(EXAMPLES))
    idents = [Identifier("email", f"c{i}@example.com") for i in range(25)]
    picker = build_pick_message(idents, ref=REF)
    assert_valid_message(picker)
    values = [b["accessory"]["value"] for b in picker["blocks"] if "accessory" in b]
    assert values[:2] == [f"{REF}:0", f"{REF}:1"] and len(values) == 20
    noted = with_note(picker, MENTION_FALLBACK_TEXT)
    assert_valid_message(noted)
    assert noted["blocks"][0]["type"] == "context"


def test_share_confirmation_can_ask_where_to() -> None:
    view = build_share_confirm_view(
        full_profile(), OPTIONS, ref=REF, channel_is_external=False, choose_conversation=True
    )
    assert_valid_view(view)
    [target] = [b for b in view["blocks"] if b.get("block_id") == ids.SHARE_TARGET_BLOCK]
    assert target["element"]["type"] == "conversations_select"
    assert target["element"]["filter"]["exclude_external_shared_channels"] is True
    plain = build_share_confirm_view(full_profile(), OPTIONS, ref=REF, channel_is_external=False)
    assert ids.SHARE_TARGET_BLOCK not in json.dumps(plain)
