"""The access gate on every entry point: members pass, everyone else is refused before any
Profile API request, and a Slack failure without fresh cached membership fails closed."""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Callable

from tests.support.harness import (
    CHANNEL,
    COLLEAGUE,
    GROUP_ID,
    JANE,
    MEMBER,
    MEMBER_2,
    OTHER_TEAM,
    OUTSIDER,
    BotHarness,
    button,
    card_text,
)

THREAD_MESSAGE = {
    "type": "message",
    "user": COLLEAGUE,
    "text": f"Customer <mailto:{JANE}|{JANE}> says the export is broken",
    "ts": "1699999999.000200",
}


def member_card(bot: BotHarness) -> dict:
    """A card the member looked up (its buttons carry a valid ref)."""
    sent = bot.post_command(f"email:{JANE}")
    return bot.wait_response(sent.response_url)


def assert_no_lookup(bot: BotHarness) -> None:
    bot.settle()
    assert bot.sandbox.request_count() == 0


def test_non_member_command_is_refused_naming_the_groups(bot: BotHarness) -> None:
    sent = bot.post_command(f"email:{JANE}", user=OUTSIDER)
    assert sent.response.status_code == 200
    ack = sent.json()
    assert ack["response_type"] == "ephemeral"
    assert "@cs-team" in card_text(ack)
    assert "don't have access" in card_text(ack)
    [record] = bot.wait_audit(action="refusal")
    assert record["outcome"] == "denied"
    assert record["user_id"] == OUTSIDER
    assert record["entry_point"] == "command"
    assert_no_lookup(bot)
    assert bot.slack.responses() == []


def test_non_member_shortcut_is_refused_without_a_modal(bot: BotHarness) -> None:
    sent = bot.post_shortcut(THREAD_MESSAGE, user=OUTSIDER)
    assert sent.response.status_code == 200
    refusal = bot.wait_response(sent.response_url)
    assert "@cs-team" in card_text(refusal)
    assert refusal["response_type"] == "ephemeral"
    assert bot.slack.calls("views.open") == []
    assert bot.wait_audit(action="refusal", entry_point="shortcut")
    assert_no_lookup(bot)


def test_non_member_button_click_is_refused(bot: BotHarness) -> None:
    card = member_card(bot)
    bot.sandbox.clear_requests()
    ref = button(card, "profile_all_traits")["value"]
    sent = bot.post_action("profile_all_traits", ref, user=OUTSIDER)
    assert sent.response.status_code == 200
    refusal = bot.wait_response(sent.response_url)
    assert "don't have access" in card_text(refusal)
    assert bot.slack.calls("views.open") == []
    assert bot.wait_audit(action="refusal", entry_point="action")
    assert_no_lookup(bot)


def test_non_member_view_submission_is_refused(bot: BotHarness) -> None:
    bot.post_shortcut(THREAD_MESSAGE)
    view_id, _ = bot.wait_view(lambda v: "Jane Doe" in card_text(v))
    sent = bot.post_view_submission(view_id, user=OUTSIDER)
    answer = sent.json()
    assert answer["response_action"] == "update"
    assert "don't have access" in card_text(answer["view"])
    assert bot.wait_audit(action="refusal", entry_point="view")


def test_member_removed_then_clicks_is_refused(bot: BotHarness) -> None:
    card = member_card(bot)
    bot.slack.set_members(GROUP_ID, [MEMBER_2])
    event = bot.post_event(
        {
            "type": "subteam_members_changed",
            "subteam_id": GROUP_ID,
            "team_id": "T0SANDBOX",
            "removed_users": [MEMBER],
            "removed_users_count": 1,
            "event_ts": f"{time.time():.6f}",
        }
    )
    assert event.response.status_code == 200
    bot.wait_until(bot.membership_dropped)
    bot.sandbox.clear_requests()
    sent = bot.post_action("profile_more_events", button(card, "profile_more_events")["value"])
    refusal = bot.wait_response(sent.response_url)
    assert "don't have access" in card_text(refusal)
    assert_no_lookup(bot)


def test_membership_is_cached_and_refreshed_after_subteam_updated(bot: BotHarness) -> None:
    bot.post_command("help")
    bot.post_command("help")
    assert len(bot.slack.calls("usergroups.users.list")) == 1
    assert len(bot.slack.calls("usergroups.list")) == 1
    bot.post_event({"type": "subteam_updated", "subteam": {"id": GROUP_ID, "handle": "cs-team"}})
    bot.wait_until(bot.membership_dropped)
    bot.post_command("help")
    assert len(bot.slack.calls("usergroups.users.list")) == 2


def test_cold_burst_asks_slack_once(bot: BotHarness) -> None:
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        sent = list(pool.map(lambda _: bot.post_command("help"), range(10)))
    assert all("/profile" in card_text(s.json()) for s in sent)
    assert len(bot.slack.calls("usergroups.users.list")) == 1


def test_another_member_cannot_use_someone_elses_buttons(bot: BotHarness) -> None:
    card = member_card(bot)
    bot.sandbox.clear_requests()
    for action in ("profile_all_traits", "profile_more_events", "profile_share"):
        sent = bot.post_action(action, button(card, action)["value"], user=MEMBER_2)
        refusal = bot.wait_response(sent.response_url)
        assert "Only the person who looked this up" in card_text(refusal)
    assert bot.slack.calls("views.open") == []
    assert len(bot.wait_audit(3, action="refusal", user_id=MEMBER_2)) == 3
    assert_no_lookup(bot)


def test_unknown_or_expired_ref(bot: BotHarness) -> None:
    sent = bot.post_action("profile_all_traits", "no-such-ref")
    assert "This card has expired" in card_text(bot.wait_response(sent.response_url))
    assert_no_lookup(bot)


def test_slack_failure_fails_closed(bot: BotHarness) -> None:
    bot.slack.fail("usergroups.list", "missing_scope")
    sent = bot.post_command(f"email:{JANE}")
    ack = sent.json()
    assert "can't check your access" in card_text(ack)
    assert "usergroups:read" in card_text(ack)
    [record] = bot.wait_audit(action="refusal")
    assert record["outcome"] == "access_unavailable"
    assert record["detail"] == "missing_scope"
    assert_no_lookup(bot)


def test_plan_upgrade_required_fails_closed(make_bot: Callable[..., BotHarness]) -> None:
    bot = make_bot(env={"PROFILE_ALLOWED_USERGROUPS": GROUP_ID})
    bot.slack.fail("usergroups.users.list", "plan_upgrade_required")
    ack = bot.post_command(f"email:{JANE}").json()
    assert "no user groups" in card_text(ack)
    assert_no_lookup(bot)


def test_rate_limited_slack_is_not_asked_again_before_retry_after(bot: BotHarness) -> None:
    bot.slack.fail(
        "usergroups.users.list", "ratelimited", status=429, headers={"Retry-After": "30"}, times=1
    )
    first = bot.post_command(f"email:{JANE}").json()
    assert "rate-limiting" in card_text(first)
    second = bot.post_command(f"email:{JANE}").json()
    assert "rate-limiting" in card_text(second)
    # One call only: the second request did not knock on Slack's door again.
    assert len(bot.slack.calls("usergroups.users.list")) == 1
    assert_no_lookup(bot)


def test_recovers_after_a_transient_failure(bot: BotHarness) -> None:
    bot.slack.fail("usergroups.users.list", "internal_error", status=500, times=1)
    assert "can't check your access" in card_text(bot.post_command(f"email:{JANE}").json())
    time.sleep(0.3)  # the harness's short cool-down
    sent = bot.post_command(f"email:{JANE}")
    assert "Looking up" in card_text(sent.json())
    assert "Jane Doe" in card_text(bot.wait_response(sent.response_url))


def test_warm_cache_survives_a_slack_outage(bot: BotHarness) -> None:
    bot.post_command("help")
    bot.slack.fail("usergroups.users.list", "internal_error", status=500)
    bot.slack.fail("usergroups.list", "internal_error", status=500)
    sent = bot.post_command(f"email:{JANE}")
    assert "Looking up" in card_text(sent.json())


def test_group_configured_by_id(make_bot: Callable[..., BotHarness]) -> None:
    bot = make_bot(env={"PROFILE_ALLOWED_USERGROUPS": GROUP_ID})
    assert "Looking up" in card_text(bot.post_command(f"email:{JANE}").json())
    denied = bot.post_command(f"email:{JANE}", user=OUTSIDER).json()
    assert "@cs-team" in card_text(denied)  # the id is named by its handle


def test_allow_all_users(make_bot: Callable[..., BotHarness]) -> None:
    bot = make_bot(env={"PROFILE_ALLOW_ALL_USERS": "true", "PROFILE_ALLOWED_USERGROUPS": ""})
    sent = bot.post_command(f"email:{JANE}", user=OUTSIDER)
    assert "Jane Doe" in card_text(bot.wait_response(sent.response_url))
    assert bot.slack.calls("usergroups.users.list") == []
    [record] = bot.wait_audit(action="lookup")
    assert record["user_id"] == OUTSIDER


def test_person_from_another_organisation_is_refused(make_bot: Callable[..., BotHarness]) -> None:
    bot = make_bot(env={"PROFILE_ALLOW_ALL_USERS": "true"})
    payload = {
        "type": "message_action",
        "callback_id": "lookup_profile",
        "trigger_id": bot.new_trigger_id(),
        "team": {"id": "T0SANDBOX", "domain": "sandbox"},
        "user": {"id": "U0FOREIGN1", "name": "guest", "team_id": OTHER_TEAM},
        "channel": {"id": CHANNEL, "name": "cust-support"},
        "response_url": bot.slack.new_response_url(),
        "message": THREAD_MESSAGE,
    }
    sent = bot.post_interaction(payload)
    assert sent.response.status_code == 200
    assert "organisation" in card_text(bot.wait_response(sent.response_url))
    assert bot.slack.calls("views.open") == []
    assert_no_lookup(bot)


def test_member_removed_then_clicks_inside_a_modal(bot: BotHarness) -> None:
    bot.post_shortcut(THREAD_MESSAGE)
    view_id, view = bot.wait_view(lambda v: "Jane Doe" in card_text(v))
    bot.slack.set_members(GROUP_ID, [MEMBER_2])
    bot.post_event({"type": "subteam_members_changed", "subteam_id": GROUP_ID})
    bot.wait_until(bot.membership_dropped)
    bot.sandbox.clear_requests()
    sent = bot.post_action(
        "profile_all_traits", button(view, "profile_all_traits")["value"], view_id=view_id
    )
    assert sent.response.status_code == 200
    [pushed] = bot.slack.wait_for_calls("views.push")
    assert pushed.params["trigger_id"] == sent.trigger_id
    assert "don't have access" in card_text(pushed.params["view"])
    assert_no_lookup(bot)


def test_build_app_talks_to_the_slack_api_of_its_settings(bot: BotHarness) -> None:
    from bot.wiring import build_app, build_services

    services = build_services(bot.settings)
    app = build_app(bot.settings, services)
    services.close()
    assert app.client.base_url == bot.settings.slack_api_url
