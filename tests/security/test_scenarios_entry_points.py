"""Scenarios 33 and 38 (issue 11 §3, §8): every request a person can send is an entry point.

Signed requests over real HTTP. The gate denies by default: any payload type except events and
Slack's own checks must pass it; listeners match only the payload types they were written for; a
payload naming two people is refused; a removal from the group takes effect at once in every
process (through Redis); and a person whose organisation cannot be established is refused.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.sandbox.redis_server import RedisServer
from bot.sandbox.signing import command_body, interaction_body
from tests.security.checks import (
    assert_acked,
    assert_no_upstream,
    fresh,
    member_card,
    only_record,
)
from tests.support.harness import (
    CHANNEL,
    CUSTOMER,
    GROUP_ID,
    JANE,
    LEGACY_TOKEN,
    MEMBER,
    MEMBER_2,
    OTHER_TEAM,
    OUTSIDER,
    TEAM,
    BotHarness,
    button,
    card_text,
)

ALL_TRAITS = "profile_all_traits"


def _legacy_payload(bot: BotHarness, kind: str, ref: str, user: str) -> dict[str, Any]:
    """A payload of a type the bot never asked for, aimed at the "All traits" handler: the
    callback_id Bolt matches a plain `app.action("profile_all_traits")` against, and the ref."""
    base: dict[str, Any] = {
        "type": kind,
        "token": LEGACY_TOKEN,
        "action_ts": f"{time.time():.6f}",
        "team": {"id": TEAM, "domain": "sandbox"},
        "user": {"id": user, "name": user.lower()},
        "channel": {"id": CHANNEL, "name": "cust-support"},
        "callback_id": ALL_TRAITS,
        "trigger_id": bot.new_trigger_id(),
        "response_url": bot.slack.new_response_url(),
        "actions": [{"name": ALL_TRAITS, "type": "button", "value": ref}],
    }
    if kind == "dialog_submission":
        base["submission"] = {"ref": ref}
        base["state"] = ref
    elif kind == "interactive_message":
        base["attachment_id"] = "1"
        base["message_ts"] = "1700000001.000300"
        base["original_message"] = {"text": "a card"}
    elif kind == "workflow_step_edit":
        base["workflow_step"] = {"workflow_step_edit_id": "1", "workflow_id": "W1", "step_id": "s"}
        del base["response_url"]  # Slack sends none with a step edit
    elif kind == "dialog_suggestion":
        base["name"], base["value"] = "ref", ref
    elif kind == "view_closed":
        base["view"] = {"id": "V0CLOSED", "type": "modal", "callback_id": ALL_TRAITS}
    return base


def _all_traits_opened(bot: BotHarness) -> bool:
    """True when any modal the bot opened or pushed shows traits (the All traits view)."""
    # Button handlers run as Bolt lazy listeners, outside the job pool `settle` waits for: give
    # one the time a real click takes to open its modal (about 10 ms here) many times over.
    time.sleep(0.5)
    bot.settle()
    views = [c.params["view"] for c in bot.slack.calls() if c.method.startswith("views.")]
    return any("don't have access" not in card_text(view) for view in views)


def _remove_member(bot: BotHarness) -> None:
    bot.slack.set_members(GROUP_ID, [MEMBER_2])
    event = bot.post_event(
        {
            "type": "subteam_members_changed",
            "subteam_id": GROUP_ID,
            "team_id": TEAM,
            "removed_users": [MEMBER],
            "removed_users_count": 1,
            "event_ts": f"{time.time():.6f}",
        }
    )
    assert event.response.status_code == 200
    bot.wait_until(bot.membership_dropped)


# -- 33: deny by default ------------------------------------------------------------------------

LEGACY_KINDS = [
    "interactive_message",
    "dialog_submission",
    "dialog_cancellation",
    "dialog_suggestion",
    "workflow_step_edit",
    "view_closed",
    "a_type_slack_adds_next_year",
]


@pytest.mark.parametrize("kind", LEGACY_KINDS)
def test_s33_every_payload_type_passes_the_gate(bot: BotHarness, kind: str) -> None:
    card = member_card(bot)
    ref = button(card, ALL_TRAITS)["value"]
    _remove_member(bot)
    mark = fresh(bot)
    sent = bot.post_interaction(_legacy_payload(bot, kind, ref, MEMBER))
    assert_acked(sent)
    if kind == "dialog_suggestion":
        assert sent.json() == {"options": []}  # an options load: nothing offered, nothing said
    elif sent.response_url is not None and kind != "view_closed":
        assert "don't have access" in card_text(bot.wait_response(sent.response_url))
    record = only_record(mark, action="refusal", outcome="denied", user_id=MEMBER)
    assert record["detail"] == "not_member"
    assert not _all_traits_opened(bot)
    assert_no_upstream(bot)


@pytest.mark.parametrize("kind", ["interactive_message", "dialog_submission", "workflow_step_edit"])
def test_s33_listeners_match_only_their_payload_types(bot: BotHarness, kind: str) -> None:
    # A member's own card and ref: only the payload type is wrong. No listener takes it.
    card = member_card(bot)
    ref = button(card, ALL_TRAITS)["value"]
    mark = fresh(bot)
    sent = bot.post_interaction(_legacy_payload(bot, kind, ref, MEMBER))
    assert sent.response.status_code in (200, 404), sent.response.status_code  # never a 500
    assert not _all_traits_opened(bot)
    assert mark.new_records() == []
    assert_no_upstream(bot)
    # The same ref from a real button press still works: the refusal was the type's alone.
    pressed = bot.post_action(ALL_TRAITS, ref)
    assert_acked(pressed)
    bot.wait_view(lambda v: v.get("callback_id") == "all_traits")
    # A global shortcut reusing the message shortcut's callback_id is not the message shortcut.
    global_shortcut = {
        "type": "shortcut",
        "token": LEGACY_TOKEN,
        "action_ts": f"{time.time():.6f}",
        "team": {"id": TEAM, "domain": "sandbox"},
        "user": {"id": MEMBER, "username": "member", "team_id": TEAM},
        "callback_id": "lookup_profile",
        "trigger_id": bot.new_trigger_id(),
    }
    opened = len(bot.slack.calls("views.open"))
    assert bot.post_interaction(global_shortcut).response.status_code in (200, 404)
    bot.settle()
    assert len(bot.slack.calls("views.open")) == opened


def _two_people(bot: BotHarness, how: str) -> str:
    """A signed body whose user fields disagree, in the ways Bolt and our code could differ."""
    url = bot.slack.new_response_url()
    if how == "command_user_field":
        # Bolt reads `user` before `user_id`.
        body = command_body(f"email:{JANE}", user_id=MEMBER, channel_id=CHANNEL, response_url=url)
        return body + "&" + urlencode({"user": OUTSIDER})
    user: Any = {"id": OUTSIDER, "username": "outsider", "team_id": TEAM}
    if how == "member_in_user_id":
        extra = {"user_id": MEMBER}
    elif how == "outsider_in_user_id":
        user = {"id": MEMBER, "username": "member", "team_id": TEAM}
        extra = {"user_id": OUTSIDER}
    else:  # a user object naming nobody, with a member in user_id
        user = {"username": "member", "team_id": TEAM}
        extra = {"user_id": MEMBER}
    payload = {
        "type": "message_action",
        "token": LEGACY_TOKEN,
        "callback_id": "lookup_profile",
        "trigger_id": bot.new_trigger_id(),
        "team": {"id": TEAM, "domain": "sandbox"},
        "user": user,
        "channel": {"id": CHANNEL, "name": "cust-support"},
        "response_url": url,
        "message": {"type": "message", "user": MEMBER_2, "text": JANE, "ts": "1.2"},
        **extra,
    }
    return interaction_body(payload)


@pytest.mark.parametrize(
    "how", ["command_user_field", "member_in_user_id", "outsider_in_user_id", "user_without_id"]
)
def test_s33_payload_naming_two_people_is_refused(bot: BotHarness, how: str) -> None:
    mark = fresh(bot)
    response, elapsed, _ = bot.send(_two_people(bot, how))
    assert response.status_code == 200 and elapsed < 2.0
    bot.settle()
    record = only_record(mark, action="refusal", outcome="denied")
    assert record["detail"] == "user_mismatch"
    assert bot.slack.calls("views.open") == []
    assert_no_upstream(bot)


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    server = RedisServer()
    server.start()
    try:
        yield server.url
    finally:
        server.close()


@pytest.mark.redis
def test_s33_removal_event_takes_effect_in_every_process(
    make_bot: Callable[..., BotHarness], redis_url: str
) -> None:
    # Two bot processes' worth of state sharing one Redis; the event reaches only the second.
    first = make_bot(env={"REDIS_URL": redis_url})
    second = make_bot(env={"REDIS_URL": redis_url})
    card = member_card(first)
    assert "Looking up" in card_text(second.post_command(f"email:{JANE}").json())
    assert second.slack.calls("usergroups.users.list") == []  # membership came from Redis
    for bot in (first, second):
        bot.slack.set_members(GROUP_ID, [MEMBER_2])  # Slack's truth, seen by both
    _remove_member(second)
    first.wait_until(first.membership_dropped)  # dropped in Redis, not only in `second`
    mark = fresh(first)
    sent = first.post_action("profile_more_events", button(card, "profile_more_events")["value"])
    assert_acked(sent)
    assert "don't have access" in card_text(first.wait_response(sent.response_url))
    only_record(mark, action="refusal", outcome="denied", user_id=MEMBER)
    assert_no_upstream(first)


# -- 38: whose organisation? --------------------------------------------------------------------


def _without_team_ids(bot: BotHarness, entry: str, user: str) -> str:
    url = bot.slack.new_response_url()
    if entry == "command":
        body = command_body(f"email:{JANE}", user_id=user, channel_id=CHANNEL, response_url=url)
        return body.replace("team_id=T0SANDBOX&", "")
    payload: dict[str, Any] = {
        "type": "message_action",
        "token": LEGACY_TOKEN,
        "callback_id": "lookup_profile",
        "trigger_id": bot.new_trigger_id(),
        "team": None,
        "user": {"id": user, "name": user.lower()},
        "channel": {"id": CHANNEL, "name": "cust-support"},
        "response_url": url,
        "message": {"type": "message", "user": MEMBER_2, "text": JANE, "ts": "1.2"},
    }
    if entry == "button":
        payload = {
            "type": "block_actions",
            "token": LEGACY_TOKEN,
            "user": {"id": user, "username": user.lower()},
            "trigger_id": bot.new_trigger_id(),
            "container": {"type": "message", "channel_id": CHANNEL, "is_ephemeral": True},
            "channel": {"id": CHANNEL},
            "response_url": url,
            "actions": [{"type": "button", "action_id": ALL_TRAITS, "value": "x", "block_id": "b"}],
        }
    return interaction_body(payload)


@pytest.mark.parametrize("allow_all", [False, True], ids=["groups", "allow_all"])
@pytest.mark.parametrize("entry", ["command", "shortcut", "button"])
def test_s38_actor_without_team_ids_refused(
    make_bot: Callable[..., BotHarness], entry: str, allow_all: bool
) -> None:
    bot = make_bot(env={"PROFILE_ALLOW_ALL_USERS": "true"} if allow_all else {})
    mark = fresh(bot)
    response, elapsed, _ = bot.send(_without_team_ids(bot, entry, MEMBER))
    assert response.status_code == 200 and elapsed < 2.0
    bot.settle()
    record = only_record(mark, action="refusal", outcome="denied", user_id=MEMBER)
    assert record["detail"] == "team_unknown"
    told = response.json() if entry == "command" else bot.slack.responses()[-1]
    assert "can't tell which organisation" in card_text(told)
    assert bot.slack.calls("views.open") == []
    assert_no_upstream(bot)


def test_s38_allow_all_checks_the_actor_team_with_users_info_first(
    make_bot: Callable[..., BotHarness],
) -> None:
    bot = make_bot(env={"PROFILE_ALLOW_ALL_USERS": "true"})
    # A Slack Connect customer whose request names our workspace (a shared channel's host):
    # users.info says they belong to another organisation, before any lookup.
    mark = fresh(bot)
    sent = bot.post_command(f"email:{JANE}", user=CUSTOMER, team=TEAM)
    assert_acked(sent)
    assert "only serves people from the organisation" in card_text(sent.json())
    assert only_record(mark, action="refusal", user_id=CUSTOMER)["detail"] == "external_team"
    assert [c.params["user"] for c in bot.slack.calls("users.info")] == [CUSTOMER]
    assert_no_upstream(bot)
    # A colleague from home is looked up; asked once, then cached.
    for _ in range(2):
        sent = bot.post_command(f"email:{JANE}", user=OUTSIDER)
        assert "Jane Doe" in card_text(bot.wait_response(sent.response_url))
    assert [c.params["user"] for c in bot.slack.calls("users.info")] == [CUSTOMER, OUTSIDER]
    # users.info failing for someone not yet known: refused, fail closed, no lookup.
    bot.slack.add_user("U0NEWHIRE", name="new hire")
    bot.slack.fail("users.info", "ratelimited", status=429, headers={"Retry-After": "30"})
    mark = fresh(bot)
    sent = bot.post_command(f"email:{JANE}", user="U0NEWHIRE")
    assert "can't check your access" in card_text(sent.json())
    assert only_record(mark, action="refusal", outcome="access_unavailable")["detail"] == (
        "ratelimited"
    )
    assert_no_upstream(bot)


def test_s38_payload_from_another_team_refused_without_asking_slack(
    make_bot: Callable[..., BotHarness],
) -> None:
    bot = make_bot(env={"PROFILE_ALLOW_ALL_USERS": "true"})
    mark = fresh(bot)
    sent = bot.post_command(f"email:{JANE}", user=CUSTOMER, team=OTHER_TEAM)
    assert "only serves people from the organisation" in card_text(sent.json())
    assert only_record(mark, action="refusal", user_id=CUSTOMER)["detail"] == "external_team"
    assert bot.slack.calls("users.info") == []
    assert_no_upstream(bot)
