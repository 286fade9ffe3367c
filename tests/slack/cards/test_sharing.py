"""The shared copy (shareable traits only, no buttons) and the confirmation modal."""

from __future__ import annotations

import json
from dataclasses import replace

from bot.slack import component_ids as ids
from bot.slack.cards import build_share_confirm_view, build_shared_message
from tests.slack.cards.profiles import OPTIONS, REF, full_profile, hostile_profile
from tests.support.blockkit import all_texts, assert_valid_message, assert_valid_view


def _text(payload) -> str:
    return "\n".join(all_texts(payload))


def test_shared_message_has_only_shareable_traits_and_no_buttons():
    msg = build_shared_message(full_profile(), OPTIONS, shared_by_user_id="U0ABC123")
    assert_valid_message(msg, allowed_mentions={"U0ABC123"})
    assert all(block["type"] != "actions" for block in msg["blocks"])
    assert "accessory" not in json.dumps(msg)
    fields = [f["text"] for b in msg["blocks"] for f in b.get("fields", [])]
    assert [f.split("\n")[0] for f in fields] == ["*Name*", "*Company*", "*Plan*", "*Created*"]
    dumped = json.dumps(msg)
    for private in ("jane@acme.com", "u_123", "VP Customer Success", "Order Completed", "4999"):
        assert private not in dumped
    assert "Shared by <@U0ABC123> · fetched <!date^" in _text(msg)
    assert msg["text"] == "A customer profile was shared"


def test_shared_header_only_from_a_shareable_name():
    options = replace(OPTIONS, shareable_traits=("plan",))
    msg = build_shared_message(full_profile(), options, shared_by_user_id="U1")
    assert msg["blocks"][0]["text"]["text"] == "Customer profile"
    assert "Jane" not in json.dumps(msg)


def test_hidden_wins_over_shareable():
    options = replace(OPTIONS, shareable_traits=("name", "password", "creditCard"))
    dumped = json.dumps(build_shared_message(full_profile(), options, shared_by_user_id="U1"))
    assert "hunter2" not in dumped and "4111" not in dumped


def test_no_shareable_traits_present():
    options = replace(OPTIONS, shareable_traits=("nothing_here",))
    msg = build_shared_message(full_profile(), options, shared_by_user_id="U1")
    assert_valid_message(msg, allowed_mentions={"U1"})
    assert "No shareable traits" in _text(msg)


def test_odd_sharer_id_is_not_turned_into_markup():
    msg = build_shared_message(full_profile(), OPTIONS, shared_by_user_id="<!channel>")
    assert_valid_message(msg)
    assert "Shared by &lt;!channel&gt;" in _text(msg)


def test_hostile_shared_copy_mentions_only_the_sharer():
    options = replace(OPTIONS, shareable_traits=("name", "k0", "k3", "<!channel>", "nested"))
    msg = build_shared_message(hostile_profile(), options, shared_by_user_id="W0SHARER")
    assert_valid_message(msg, allowed_mentions={"W0SHARER"})


def test_confirm_view_previews_exactly_the_shared_card():
    profile = full_profile()
    view = build_share_confirm_view(profile, OPTIONS, ref=REF, channel_is_external=False)
    assert_valid_view(view)
    assert view["callback_id"] == ids.SHARE_CONFIRM_VIEW and view["private_metadata"] == REF
    assert view["submit"]["text"] == "Share" and view["close"]["text"] == "Cancel"
    shared = build_shared_message(profile, OPTIONS, shared_by_user_id="U1")["blocks"]
    preview = view["blocks"][-len(shared) :]
    assert preview[:-1] == shared[:-1]
    assert preview[-1]["elements"][0]["text"].startswith("Shared by you · fetched")
    assert "outside your organisation" not in _text(view)


def test_confirm_view_warns_for_external_channels():
    view = build_share_confirm_view(full_profile(), OPTIONS, ref=REF, channel_is_external=True)
    assert_valid_view(view)
    assert ":warning: *This channel is shared with people outside your organisation.*" in _text(
        view
    )
