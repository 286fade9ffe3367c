"""Scenario 37: data cannot format, link, make emoji or reorder text, on any surface.

Signed requests over real HTTP; the sandbox answers with hostile trait values, and the card,
the All traits modal, the share preview and the channel post are checked as Slack gets them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from bot.sandbox.faults import Fault
from bot.slack.cards.inert import BIDI_CONTROLS
from tests.security.checks import assert_acked, assert_no_upstream, fresh, only_record
from tests.security.test_scenarios_cards import all_traits_pages, fresh_keep_faults, lookup
from tests.support.blockkit import all_texts, mrkdwn_texts
from tests.support.harness import JANE, MEMBER, BotHarness, button, card_text

HOSTILE_TRAITS = {
    "name": "\u202eJane\u202c Doe",
    "plan": "*enterprise* ~cancelled~",
    "status": ":rotating_light: churn risk",
    "note": "_urgent_ `code` ```block```",
    "quote": "> quoted \u2066isolate\u2069 \u200fmark",
}
# What must never reach a mrkdwn text as it was typed (it would render formatted or as emoji).
LIVE = ("*enterprise*", "~cancelled~", ":rotating_light:", "_urgent_", "`code`", "```")
CURSOR = {"url": "", "has_more": False, "next": ""}


def assert_inert(payload: Any) -> None:
    """No formatting, emoji or quote from the data in mrkdwn; no bidi control in any text."""
    mrkdwn = "\n".join(text for text, _ in mrkdwn_texts(payload))
    assert [live for live in LIVE if live in mrkdwn] == []
    assert "\n&gt; quoted" not in mrkdwn and not mrkdwn.startswith("&gt; quoted")
    assert [t for t in all_texts(payload) if any(c in t for c in BIDI_CONTROLS)] == []


def hostile_bot(make_bot: Callable[..., BotHarness]) -> BotHarness:
    keys = ",".join(HOSTILE_TRAITS)
    bot = make_bot(env={"PROFILE_PINNED_TRAITS": keys, "PROFILE_SHAREABLE_TRAITS": keys})
    empty = json.dumps({"traits": {}, "cursor": CURSOR}).encode()
    # Audience and computed-trait catalogue requests first (the first matching fault wins).
    bot.sandbox.add_fault(Fault(route="traits", query={"class": "audience"}, body=empty))
    bot.sandbox.add_fault(Fault(route="traits", query={"class": "computed_trait"}, body=empty))
    body = json.dumps({"traits": HOSTILE_TRAITS, "cursor": CURSOR}).encode()
    bot.sandbox.add_fault(Fault(route="traits", body=body))
    return bot


def test_s37_trait_values_cannot_format_make_emoji_or_reorder_text(
    make_bot: Callable[..., BotHarness],
) -> None:
    bot = hostile_bot(make_bot)
    mark = fresh_keep_faults(bot)
    card = lookup(bot, JANE)
    only_record(mark, action="lookup", outcome="shown")
    assert_inert(card)
    shown = card_text(card)
    # Still readable: the same words, with lookalike markers, and the name in the right order.
    assert "∗enterprise∗ ∼cancelled∼" in shown and "∶rotating_light: churn risk" in shown
    assert card["blocks"][0]["text"] == {"type": "plain_text", "text": "Jane Doe", "emoji": False}
    for page in all_traits_pages(bot, card):
        assert_inert(page)

    bot.post_action("profile_share", button(card, "profile_share")["value"])
    view_id, preview = bot.wait_view(lambda v: v.get("callback_id") == "share_confirm")
    assert_inert(preview)
    bot.post_view_submission(view_id)
    [post] = bot.slack.wait_for_calls("chat.postMessage")
    posted = {"blocks": post.params["blocks"]}
    assert_inert(posted)
    assert "∗enterprise∗" in card_text(posted) and f"<@{MEMBER}>" in card_text(posted)


def test_s37_typed_identifier_is_echoed_inert_and_emails_refuse_markers(bot: BotHarness) -> None:
    # The identifier as typed comes back in the "Looking up" ack and the "No profile" card.
    mark = fresh(bot)
    sent = bot.post_command("user_id:*vip*_~x~")
    assert_acked(sent)
    assert_inert(sent.json())
    assert "∗vip∗" in card_text(sent.json())
    not_found = bot.wait_response(sent.response_url)
    assert "No profile found" in card_text(not_found)
    assert "*vip*" not in "\n".join(t for t, _ in mrkdwn_texts(not_found))
    only_record(mark, action="lookup", outcome="not_found")

    for typed in ("email:*vip*@example.com", "email:a|b@example.com", "email:{x}~y@example.com"):
        mark = fresh(bot)
        sent = bot.post_command(typed)
        assert_acked(sent)
        assert "doesn't look like an email" in card_text(sent.json())
        only_record(mark, action="lookup", outcome="invalid_input")
        assert_no_upstream(bot)
