"""@mentions over real HTTP: the card only the mentioner sees (in the thread), nothing public;
the DM fallback when the bot can't post ephemerally; the thread's parent and its Slack Connect
author; edited mentions and non-members."""

from __future__ import annotations

from tests.support.chat_events import mention_event, new_ts, posted
from tests.support.harness import (
    CHANNEL,
    CUSTOMER,
    JANE,
    MEMBER,
    NOBOT_CHANNEL,
    OUTSIDER,
    BotHarness,
    button,
    card_text,
)


def test_the_card_is_ephemeral_to_the_mentioner_in_the_thread(bot: BotHarness) -> None:
    parent = new_ts()
    sent = bot.post_event(mention_event(JANE, thread_ts=parent))
    assert sent.response.status_code == 200
    [card] = posted(bot, "chat.postEphemeral")
    assert card["channel"] == CHANNEL
    assert card["user"] == MEMBER
    assert card["thread_ts"] == parent
    assert "Jane Doe" in card_text(card)
    button(card, "profile_share")
    [record] = bot.wait_audit(action="lookup")
    assert record["entry_point"] == "mention"
    assert record["channel_id"] == CHANNEL
    bot.settle()
    assert bot.slack.calls("chat.postMessage") == []  # nothing anyone else sees, no "looking up"
    assert len(bot.slack.calls("chat.postEphemeral")) == 1


def test_when_the_bot_cannot_post_there_the_card_goes_to_the_dm(bot: BotHarness) -> None:
    # Slack's answer when the bot isn't in a private channel: channel_not_found or not_in_channel.
    bot.slack.fail("chat.postEphemeral", "channel_not_found", times=1)
    bot.post_event(mention_event(JANE, channel=NOBOT_CHANNEL))
    [dm] = posted(bot, "chat.postMessage")
    assert dm["channel"] == MEMBER  # chat.postMessage to the user id: the bot's DM with them
    assert "direct messages" in card_text(dm)
    assert "Jane Doe" in card_text(dm)
    [record] = bot.wait_audit(action="delivery")
    assert record["outcome"] == "dm_fallback"
    assert record["detail"] == "channel_not_found"
    # Share from the card in the DM asks where to (its conversation is the bot's DM).
    share = button(dm, "profile_share")
    bot.post_action("profile_share", share["value"], channel=bot.slack.dm_channel(MEMBER))
    bot.wait_view(lambda v: "share_target_block" in card_text(v))


def test_without_an_identifier_the_thread_parent_is_looked_up(bot: BotHarness) -> None:
    parent = new_ts()
    bot.slack.add_message(
        CHANNEL,
        {"type": "message", "user": MEMBER, "text": f"customer {JANE} is upset", "ts": parent},
    )
    bot.post_event(mention_event("who is this?", thread_ts=parent))
    [card] = posted(bot, "chat.postEphemeral")
    assert "Jane Doe" in card_text(card)
    [replies] = posted(bot, "conversations.replies")
    assert replies["ts"] == parent


def test_a_slack_connect_author_of_the_parent_is_looked_up(bot: BotHarness) -> None:
    parent = new_ts()
    bot.slack.add_message(
        CHANNEL,
        {
            "type": "message",
            "user": CUSTOMER,
            "user_team": "T0OTHERORG",
            "text": "help!",
            "ts": parent,
        },
    )
    bot.post_event(mention_event("", thread_ts=parent))
    [card] = posted(bot, "chat.postEphemeral")
    assert "Jane Doe" in card_text(card)  # the customer's Slack email is jane@example.com


def test_no_identifier_anywhere_gets_private_help(bot: BotHarness) -> None:
    bot.post_event(mention_event("hi"))
    [help_reply] = posted(bot, "chat.postEphemeral")
    assert "email" in card_text(help_reply)
    assert bot.sandbox.request_count() == 0


def test_an_edited_mention_is_not_answered_again(bot: BotHarness) -> None:
    event = mention_event(JANE)
    bot.post_event(event)
    posted(bot, "chat.postEphemeral")
    edited = {**event, "edited": {"user": MEMBER, "ts": new_ts()}}
    assert bot.post_event(edited).response.status_code == 200
    bot.settle()
    assert len(bot.slack.calls("chat.postEphemeral")) == 1


def test_a_non_member_gets_a_private_refusal_and_no_lookup(bot: BotHarness) -> None:
    bot.post_event(mention_event(JANE, user=OUTSIDER))
    [refusal] = posted(bot, "chat.postEphemeral")
    assert refusal["user"] == OUTSIDER
    assert "don't have access" in card_text(refusal)
    [record] = bot.wait_audit(action="refusal")
    assert record["entry_point"] == "mention"
    assert bot.sandbox.request_count() == 0
    assert bot.slack.calls("chat.postMessage") == []


def test_a_mention_from_another_organisation_is_refused(bot: BotHarness) -> None:
    event = {**mention_event(JANE, user=CUSTOMER), "user_team": "T0OTHERORG"}
    bot.post_event(event)
    [refusal] = posted(bot, "chat.postEphemeral")
    assert "organisation" in card_text(refusal)
    assert bot.sandbox.request_count() == 0


def test_when_neither_ephemeral_nor_dm_works_it_is_audited(bot: BotHarness) -> None:
    bot.slack.fail("chat.postEphemeral", "not_in_channel")
    bot.slack.fail("chat.postMessage", "messages_tab_disabled")
    bot.post_event(mention_event(JANE, channel=NOBOT_CHANNEL))
    [record] = bot.wait_audit(action="delivery")
    assert record["outcome"] == "undelivered"
    assert record["detail"] == "not_in_channel then messages_tab_disabled"


def test_an_unreadable_thread_parent_gets_help_in_the_dm(bot: BotHarness) -> None:
    # A private channel the bot is not in: conversations.replies and the ephemeral both fail.
    bot.slack.add_channel("G0PRIVATE", is_private=True, is_member=False, name="secret")
    bot.slack.fail("chat.postEphemeral", "channel_not_found")
    bot.post_event(mention_event("who?", channel="G0PRIVATE", thread_ts=new_ts()))
    [dm] = posted(bot, "chat.postMessage")
    assert dm["channel"] == MEMBER
    assert "Send me" in card_text(dm)
    assert bot.sandbox.request_count() == 0
