"""Scenarios 16 and 19 on the chatbot surfaces: a DM to the bot, an @mention, its Home tab (and
its buttons) and the global shortcut. The gate runs first on each (one place: the global
middleware, through payloads.person_event_kind); the refusal reaches the person where they are,
privately, and no request reaches the Profile API."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.security.checks import assert_acked, assert_no_upstream, fresh, only_record
from tests.support.chat_events import (
    dm_event,
    home_opened,
    mention_event,
    post_global_shortcut,
    post_home_action,
    posted,
)
from tests.support.harness import (
    CUSTOMER,
    JANE,
    OTHER_TEAM,
    OUTSIDER,
    BotHarness,
    Sent,
    card_text,
)

SURFACES = ["dm", "mention", "home", "home_button", "global_shortcut"]


def _send(bot: BotHarness, surface: str, user: str, **event_extra: str) -> tuple[Sent, str]:
    """Send `surface` as `user`; (what was sent, the Slack method that carries the refusal)."""
    if surface == "dm":
        return bot.post_event({**dm_event(bot, JANE, user=user), **event_extra}), "chat.postMessage"
    if surface == "mention":
        event = {**mention_event(JANE, user=user), **event_extra}
        return bot.post_event(event), "chat.postEphemeral"
    if surface == "home":
        return bot.post_event(home_opened(bot, user)), "views.publish"
    if surface == "home_button":
        bot.slack.add_user(user)  # an old Home tab published before they lost access
        bot.services.web_client.views_publish(
            user_id=user, view={"type": "home", "blocks": [{"type": "divider"}]}
        )
        return post_home_action(bot, "home_search", "search", user=user, search=JANE), (
            "views.publish"
        )
    return post_global_shortcut(bot, user=user), "views.open"


@pytest.mark.parametrize("surface", SURFACES)
def test_s16_non_member_refused_on_every_chat_surface(bot: BotHarness, surface: str) -> None:
    mark = fresh(bot)
    sent, method = _send(bot, surface, OUTSIDER)
    assert_acked(sent)
    carried = posted(bot, method, 2 if surface == "home_button" else 1)[-1]
    refusal = carried.get("view", carried)
    assert "don't have access" in card_text(refusal) and "@cs-team" in card_text(refusal)
    assert JANE not in card_text(refusal)
    entry = "home" if surface.startswith("home") else surface
    only_record(mark, action="refusal", outcome="denied", entry_point=entry, user_id=OUTSIDER)
    assert_no_upstream(bot)
    if surface == "mention":
        assert carried["user"] == OUTSIDER  # only the person sees it
        assert bot.slack.calls("chat.postMessage") == []


@pytest.mark.parametrize("surface", ["dm", "mention"])
def test_s19_actor_from_another_org_refused_in_chat(
    make_bot: Callable[..., BotHarness], surface: str
) -> None:
    # Everyone at home may use it: the refusal can only come from the organisation check
    # (`user_team` of a message or mention in a conversation shared with another org).
    bot = make_bot(env={"PROFILE_ALLOW_ALL_USERS": "true"})
    mark = fresh(bot)
    sent, method = _send(bot, surface, CUSTOMER, user_team=OTHER_TEAM)
    assert_acked(sent)
    [refusal] = posted(bot, method)
    assert "only serves people from the organisation" in card_text(refusal)
    only_record(mark, action="refusal", outcome="denied", detail="external_team")
    assert_no_upstream(bot)
