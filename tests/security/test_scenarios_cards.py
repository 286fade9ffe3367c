"""Scenarios 9-12 (reliability-security.md §5): hostile customer data in cards, and where cards go.

Trait values and keys are typed by end customers, so they reach Slack as inert text: plain_text,
or mrkdwn with `& < >` escaped and `verbatim: true`. Cards stay private to the person who asked;
Share is the one deliberate way a card reaches a conversation (explicit, confirmed, redacted to
the shareable traits, refused in conversations shared with other organisations).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from bot.sandbox.faults import Fault
from tests.security.checks import (
    assert_acked,
    assert_markup_inert,
    assert_not_in,
    assert_nothing_public,
    fresh,
    only_record,
    view_bytes,
)
from tests.support.blockkit import all_texts
from tests.support.harness import (
    CHANNEL,
    COLLEAGUE,
    EXT_CHANNEL,
    JANE,
    MEMBER,
    NOBOT_CHANNEL,
    BotHarness,
    button,
    card_text,
    find_buttons,
    has_button,
)

MALLORY = "mallory@example.net"
# Mallory's secret-looking traits (bot/sandbox/data/customers.json) and their values.
HIDDEN_KEYS = ("creditCard", "api_secret", "Credit Card Number", "SSN")
HIDDEN_VALUES = (
    "hunter2",
    "4111 1111 1111 1111",
    "078-05-1120",
    "not-a-real-secret-0000",
    "5555 5555 5555 4444",
)


def lookup(bot: BotHarness, email: str, channel: str = CHANNEL) -> dict[str, Any]:
    """The ephemeral card for `/profile email:<email>`."""
    sent = bot.post_command(f"email:{email}", channel=channel)
    assert_acked(sent)
    return bot.wait_response(sent.response_url, timeout=8)


def all_traits_pages(bot: BotHarness, card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every page of the All traits modal opened from `card`."""
    bot.post_action("profile_all_traits", button(card, "profile_all_traits")["value"])
    pages: list[dict[str, Any]] = []
    view_id, view = bot.wait_view(lambda v: v.get("callback_id") == "all_traits")
    while True:
        pages.append(view)
        if not has_button(view, "profile_all_traits_page") or len(pages) > 10:
            return pages
        nexts = [
            b
            for b in find_buttons(view)
            if b.get("action_id") == "profile_all_traits_page"
            and b["value"].endswith(f":{len(pages) + 1}")
        ]
        if not nexts:
            return pages
        bot.post_action("profile_all_traits_page", nexts[0]["value"], view_id=view_id)
        view_id, view = bot.wait_view(page_shown(len(pages) + 1))


def page_shown(number: int) -> Callable[[dict[str, Any]], bool]:
    """A wait_view predicate: the All traits modal shows page `number`."""
    return lambda view: f"Page {number} of" in card_text(view)


def share_refusal(bot: BotHarness, card: dict[str, Any], channel: str, says: str) -> dict[str, Any]:
    """Press Share on `card`; the modal that says `says` instead of a preview."""
    bot.post_action("profile_share", button(card, "profile_share")["value"], channel=channel)
    return bot.wait_view(lambda v: says in card_text(v))[1]


def test_s09_hostile_trait_values_rendered_inert(bot: BotHarness) -> None:
    mark = fresh(bot)
    card = lookup(bot, MALLORY)
    assert_markup_inert(card)
    text = card_text(card)
    # Shown literally: the name keeps its "<!channel>" as text, not as a mention.
    names = [t for t in all_texts(card) if "Mallory" in t and "channel" in t]
    assert names, text[:1500]
    for obj in _text_objects(card):
        if "channel" in obj["text"] and obj["type"] == "mrkdwn":
            assert "&lt;!channel&gt;" in obj["text"] and obj.get("verbatim") is True
    # No disguised link: no button or link target on evil.example.
    urls = [b.get("url", "") for b in find_buttons(card)]
    assert not any("evil.example" in url for url in urls)
    assert "<https://evil" not in text
    only_record(mark, action="lookup", outcome="shown")

    # The same data in a modal (the message shortcut) and in every All traits page.
    bot.post_shortcut({"type": "message", "user": COLLEAGUE, "text": MALLORY, "ts": "1.2"})
    _, view = bot.wait_view(lambda v: "Mallory" in card_text(v))
    assert_markup_inert(view)
    for page in all_traits_pages(bot, card):
        assert_markup_inert(page)

    # Shared into the channel, where a live <!channel> would notify everyone: still inert.
    view_id, confirm = _confirmable(bot, card)
    assert_markup_inert(confirm)
    bot.post_view_submission(view_id)
    [post] = bot.slack.wait_for_calls("chat.postMessage")
    assert_markup_inert({"blocks": post.params["blocks"]}, allowed_mentions=[MEMBER])
    assert post.params["unfurl_links"] is False
    assert "<!channel>" not in str(post.params.get("text"))


def test_s10_hostile_trait_keys_escaped_and_denylisted(
    make_bot: Callable[..., BotHarness],
) -> None:
    # An admin pins and marks shareable some secret-looking keys: the red list still wins.
    bot = make_bot(
        env={
            "PROFILE_PINNED_TRAITS": "password,creditCard,SSN,name",
            "PROFILE_SHAREABLE_TRAITS": "password,creditCard,api_secret,name,company",
        }
    )
    mark = fresh(bot)
    card = lookup(bot, MALLORY)
    record = only_record(mark, action="lookup", outcome="shown")
    pages = all_traits_pages(bot, card)
    view_id, confirm = _confirmable(bot, card)
    bot.post_view_submission(view_id)
    [post] = bot.slack.wait_for_calls("chat.postMessage")
    posted = {"blocks": post.params["blocks"], "text": post.params.get("text")}
    for surface in (card, *pages, confirm, posted):
        assert_not_in(surface, *HIDDEN_VALUES, *HIDDEN_KEYS)
        assert_markup_inert(surface, allowed_mentions=[MEMBER])  # keys like "<!channel>" too
    # Keys are shown, escaped: the mrkdwn key "*bold key*" and the mention key are there as text.
    pages_text = "".join(card_text(p) for p in pages)
    assert "&lt;!channel&gt;" in pages_text or "<!channel>" in pages_text
    assert "custom_attribute_with_a_very_long_name" in pages_text  # the 5,000-char key, cut short
    # The audit record names sections, never trait keys or values.
    line = json.dumps(record)
    for needle in (*HIDDEN_VALUES, *HIDDEN_KEYS, "password", "Mallory", MALLORY):
        assert needle not in line
    assert record["sections"] and all(s.isidentifier() for s in record["sections"])


def test_s11_huge_profile_trimmed_to_block_kit_limits(bot: BotHarness) -> None:
    traits: dict[str, Any] = {f"trait_{i:03d}": f"value {i}" for i in range(199)}
    traits["name"] = "Huge Hannah"
    traits["essay"] = "lorem ipsum " * 8_600  # one value over 100 kB
    cursor = {"url": "", "has_more": False, "next": ""}
    events = [
        {
            "event": f"Event {i}",
            "type": "track",
            "timestamp": "2024-06-01T12:00:00.000Z",
            "properties": {"n": i, "blob": "y" * 200},
            "message_id": f"m{i}",
        }
        for i in range(500)
    ]
    empty = json.dumps({"traits": {}, "cursor": cursor}).encode()
    # Audience and computed-trait catalogue requests first (the first matching fault wins).
    bot.sandbox.add_fault(Fault(route="traits", query={"class": "audience"}, body=empty))
    bot.sandbox.add_fault(Fault(route="traits", query={"class": "computed_trait"}, body=empty))
    bot.sandbox.add_fault(
        Fault(route="traits", body=json.dumps({"traits": traits, "cursor": cursor}).encode())
    )
    bot.sandbox.add_fault(
        Fault(route="events", body=json.dumps({"data": events, "cursor": cursor}).encode())
    )
    mark = fresh_keep_faults(bot)
    card = lookup(bot, JANE)  # the harness validates every card against Block Kit's limits
    text = card_text(card)
    assert "Huge Hannah" in text
    assert "of 201 traits" in text and "see *All traits*" in text
    assert len(text) < 40_000
    only_record(mark, action="lookup", outcome="shown")
    pages = all_traits_pages(bot, card)
    assert len(pages) >= 2
    for page in pages:
        assert view_bytes(page) < 250_000
        assert len(page["blocks"]) <= 100
    assert not any("lorem ipsum " * 300 in t for p in pages for t in all_texts(p))


def test_s12_results_stay_private_unless_shared(bot: BotHarness) -> None:
    # A message shortcut in a channel the bot is not in: the card opens in a modal.
    mark = fresh(bot)
    shortcut = bot.post_shortcut(
        {"type": "message", "user": COLLEAGUE, "text": JANE, "ts": "1.2"}, channel=NOBOT_CHANNEL
    )
    assert_acked(shortcut)
    bot.wait_view(lambda v: "Jane Doe" in card_text(v))
    only_record(mark, action="lookup", outcome="shown", entry_point="shortcut")
    # The slash command there: an ephemeral reply through the response_url only.
    mark = fresh(bot)
    card = lookup(bot, JANE, channel=NOBOT_CHANNEL)
    assert card["response_type"] == "ephemeral" and card["replace_original"] is True
    only_record(mark, action="lookup", outcome="shown", entry_point="command")
    assert_nothing_public(bot)

    # Share into a Slack Connect channel is refused, before any preview.
    refused = share_refusal(
        bot, lookup(bot, JANE, channel=EXT_CHANNEL), EXT_CHANNEL, "another organisation"
    )
    assert refused.get("callback_id") != "share_confirm"
    assert bot.wait_audit(action="share", outcome="share_refused", detail="external_channel")
    assert_nothing_public(bot)

    # Share elsewhere: a preview to confirm, nothing posted until confirmed, then only the
    # shareable traits.
    card = lookup(bot, JANE)
    view_id, confirm = _confirmable(bot, card)
    assert confirm["callback_id"] == "share_confirm"
    assert_nothing_public(bot)
    bot.post_view_submission(view_id)
    [post] = bot.slack.wait_for_calls("chat.postMessage")
    assert post.params["channel"] == CHANNEL
    posted = card_text({"blocks": post.params["blocks"]})
    assert "Jane Doe" in posted
    assert_not_in({"blocks": post.params["blocks"]}, JANE, "+15555550188", "u_jane_001")
    assert bot.wait_audit(action="share", outcome="shared")
    assert bot.slack.calls("chat.postEphemeral") == []


def fresh_keep_faults(bot: BotHarness) -> Any:
    """`fresh()` without clearing the faults a test has just set up."""
    faults = bot.sandbox.faults()
    mark = fresh(bot)
    for fault in faults:
        bot.sandbox.add_fault(fault)
    return mark


def _confirmable(bot: BotHarness, card: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    bot.post_action("profile_share", button(card, "profile_share")["value"])
    return bot.wait_view(lambda v: v.get("callback_id") == "share_confirm")


def _text_objects(payload: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(payload, dict):
        if payload.get("type") in ("mrkdwn", "plain_text") and isinstance(payload.get("text"), str):
            found.append(payload)
        for value in payload.values():
            found += _text_objects(value)
    elif isinstance(payload, list):
        for item in payload:
            found += _text_objects(item)
    return found
