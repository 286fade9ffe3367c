"""Scenarios 16-20 (reliability-security.md §5): who may use the bot.

Signed requests over real HTTP; the access gate runs before every command, shortcut, button and
view submission, and fails closed when Slack cannot say who is a member.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.security.checks import (
    THREAD_MESSAGE,
    assert_acked,
    assert_no_upstream,
    assert_nothing_public,
    fresh,
    member_card,
    only_record,
    warnings_of,
)
from tests.security.servers import slow_slack
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
    find_buttons,
)

# -- 16-19: who may use the bot -----------------------------------------------------------------


@pytest.mark.parametrize("entry", ["command", "shortcut"])
def test_s16_non_member_refused(bot: BotHarness, entry: str) -> None:
    mark = fresh(bot)
    if entry == "command":
        sent = bot.post_command(f"email:{JANE}", user=OUTSIDER)
        refusal = sent.json()
    else:
        sent = bot.post_shortcut(THREAD_MESSAGE, user=OUTSIDER)
        refusal = bot.wait_response(sent.response_url)
        assert bot.slack.calls("views.open") == []
    assert_acked(sent)
    assert refusal["response_type"] == "ephemeral"
    assert "don't have access" in card_text(refusal) and "@cs-team" in card_text(refusal)
    assert JANE not in card_text(refusal)  # names no data
    only_record(mark, action="refusal", outcome="denied", entry_point=entry, user_id=OUTSIDER)
    assert_no_upstream(bot)
    assert_nothing_public(bot)


@pytest.mark.parametrize(
    ("surface", "how"), [("message", "event"), ("modal", "event"), ("message", "ttl")]
)
def test_s17_removed_member_refused_on_click(
    make_bot: Callable[..., BotHarness], surface: str, how: str
) -> None:
    bot = make_bot(env={"PROFILE_MEMBERSHIP_TTL_SECONDS": "1"} if how == "ttl" else {})
    if surface == "message":
        card, view_id = member_card(bot), None
    else:
        bot.post_shortcut(THREAD_MESSAGE)
        view_id, card = bot.wait_view(lambda v: "Jane Doe" in card_text(v))
    bot.slack.set_members(GROUP_ID, [MEMBER_2])
    if how == "event":
        event = bot.post_event(
            {"type": "subteam_members_changed", "subteam_id": GROUP_ID, "team_id": TEAM}
        )
        assert event.response.status_code == 200
        bot.wait_until(bot.membership_dropped)
    else:
        time.sleep(1.1)  # the cached membership expires on its own
    mark = fresh(bot)
    sent = bot.post_action(
        "profile_more_events", button(card, "profile_more_events")["value"], view_id=view_id
    )
    assert_acked(sent)
    if view_id is None:
        refusal = bot.wait_response(sent.response_url)
    else:
        refusal = bot.slack.wait_for_calls("views.push")[-1].params["view"]
    assert "don't have access" in card_text(refusal)
    only_record(mark, action="refusal", outcome="denied", user_id=MEMBER)
    assert_no_upstream(bot)


def test_s18_other_user_cannot_use_someone_elses_card(bot: BotHarness) -> None:
    card = member_card(bot)
    values = [b.get("value", "") for b in find_buttons(card)]
    # Buttons carry an opaque reference only: no identifier, no trait value.
    assert values and all(v and len(v) <= 32 and "@" not in v and "jane" not in v for v in values)
    for user, says, detail in (
        (MEMBER_2, "Only the person who looked this up", "not_requester"),
        (OUTSIDER, "don't have access", None),
    ):
        mark = fresh(bot)
        sent = bot.post_action(
            "profile_more_events", button(card, "profile_more_events")["value"], user=user
        )
        assert_acked(sent)
        assert says in card_text(bot.wait_response(sent.response_url))
        record = only_record(mark, action="refusal", outcome="denied", user_id=user)
        if detail:
            assert record["detail"] == detail
        assert_no_upstream(bot)
    assert bot.slack.calls("views.open") == []


def _external_payload(bot: BotHarness, kind: str) -> dict[str, Any]:
    user = {"id": CUSTOMER, "name": "jane", "team_id": OTHER_TEAM}
    payload: dict[str, Any] = {
        "type": "message_action",
        "callback_id": "lookup_profile",
        "token": LEGACY_TOKEN,
        "trigger_id": bot.new_trigger_id(),
        "team": {"id": TEAM, "domain": "sandbox"},
        "user": user,
        "channel": {"id": CHANNEL, "name": "cust-support"},
        "response_url": bot.slack.new_response_url(),
        "message": THREAD_MESSAGE,
        "is_enterprise_install": False,
    }
    if kind == "grid_outsider":
        # A workspace of another Enterprise Grid org.
        user["team_id"] = "T0GRIDOTHER"
        payload["enterprise"] = {"id": "E0OTHERORG", "name": "Other Org"}
    return payload


@pytest.mark.parametrize("kind", ["command", "shortcut", "grid_outsider"])
def test_s19_actor_from_another_org_refused(make_bot: Callable[..., BotHarness], kind: str) -> None:
    # Everyone at home may use it: the refusal can only come from the organisation check.
    bot = make_bot(env={"PROFILE_ALLOW_ALL_USERS": "true"})
    mark = fresh(bot)
    if kind == "command":
        sent = bot.post_command(f"email:{JANE}", user=CUSTOMER, team=OTHER_TEAM)
        refusal = sent.json()
    else:
        sent = bot.post_interaction(_external_payload(bot, kind))
        refusal = bot.wait_response(sent.response_url)
    assert_acked(sent)
    assert "only serves people from the organisation" in card_text(refusal)
    only_record(mark, action="refusal", outcome="denied", detail="external_team")
    assert bot.slack.calls("views.open") == []
    assert_no_upstream(bot)


# -- 20: Slack cannot tell who is a member ------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "status", "headers", "says"),
    [
        ("ratelimited", 429, {"Retry-After": "30"}, "rate-limiting"),
        ("internal_error", 500, {}, "internal_error"),
        ("missing_scope", 200, {}, "usergroups:read"),
        ("invalid_auth", 200, {}, "token was refused"),
        ("timeout", 0, {}, "did not answer in time"),
    ],
    ids=["ratelimited", "server_error", "missing_scope", "invalid_auth", "timeout"],
)
def test_s20_membership_check_failure_fails_closed(
    make_bot: Callable[..., BotHarness],
    error: str,
    status: int,
    headers: dict[str, str],
    says: str,
) -> None:
    with contextlib.ExitStack() as stack:
        env: dict[str, str] = {}
        proxy: Any = None

        def hang_membership(harness: BotHarness) -> None:
            nonlocal proxy
            origin = harness.slack.api_url.rsplit("/api/", 1)[0]
            proxy = stack.enter_context(slow_slack(origin, {"usergroups.users.list": 5.0}))
            env["SLACK_API_URL"] = proxy.api_url  # read by BotHarness after `configure`

        if error == "timeout":
            bot = make_bot(env=env, configure=hang_membership, gate_cooldown=5.0)
        else:
            bot = make_bot(gate_cooldown=5.0)
            bot.slack.fail("usergroups.users.list", error, status=status, headers=headers)
        mark = fresh(bot)
        with warnings_of("bot.slack.access") as alerts:
            sent = bot.post_command(f"email:{JANE}")
            assert_acked(sent, bound=3.0)  # a hanging Slack is cut at the gate's own timeout
            ack = sent.json()
            assert "can't check your access" in card_text(ack) and says in card_text(ack)
            # Right after, another member: refused at once, without asking Slack again.
            again = bot.post_command(f"email:{JANE}", user=MEMBER_2)
            assert_acked(again, bound=1.0)  # no Slack call: no 1 s gate timeout
            assert "can't check your access" in card_text(again.json())
        asked = len(proxy.hung) if proxy is not None else 0
        asked += len(bot.slack.calls("usergroups.users.list"))
        assert asked == 1
        records = mark.new_records()
        assert [r["outcome"] for r in records] == ["access_unavailable"] * 2
        assert records[0]["detail"] == error
        assert_no_upstream(bot)
        # The operator is told, by error code.
        assert any(error in message for message in alerts.messages), alerts.messages
