"""The profile card as data: content, order, partial sections, buttons, hostile and huge data."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from bot.identifiers import Identifier
from bot.segment.errors import ErrorKind
from bot.segment.models import Event, LinkedAccount, Profile, SectionError
from bot.slack import component_ids as ids
from bot.slack.cards import (
    CardOptions,
    build_all_traits_view,
    build_profile_message,
    build_profile_view,
    build_shared_message,
)
from tests.slack.cards.profiles import (
    FETCHED_AT,
    JANE,
    OPTIONS,
    REF,
    full_profile,
    hostile_profile,
    many_traits_profile,
    worst_case,
)
from tests.support.blockkit import all_texts, assert_valid_message, assert_valid_view


def _texts(payload) -> str:
    return "\n".join(all_texts(payload))


def _buttons(message) -> dict[str, dict]:
    for block in message["blocks"]:
        if block["type"] == "actions":
            return {e["action_id"]: e for e in block["elements"]}
    return {}


def _fields(message) -> list[str]:
    for block in message["blocks"]:
        if block["type"] == "section" and "fields" in block:
            return [f["text"] for f in block["fields"]]
    return []


def test_full_card_content_and_order():
    msg = build_profile_message(full_profile(), OPTIONS, ref=REF)
    assert_valid_message(msg)
    assert msg["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Jane Doe", "emoji": False},
    }
    labels = [f.split("\n")[0] for f in _fields(msg)]
    assert labels == [
        "*Name*",
        "*Email*",
        "*Company*",
        "*Plan*",
        "*Title*",
        "*Created*",
        "*Last seen*",
    ]
    created = _fields(msg)[5]
    assert created.startswith("*Created*\n<!date^1614834367^{date_short_pretty} at {time}|")
    text = _texts(msg)
    assert "Showing 7 of 13 traits · 6 more traits — see *All traits*" in text
    assert "*user_id*: u_123\n*email*: jane@acme.com\n*anonymous_id*: a1, a2, a3 +1 more" in text
    assert "✓ High value\n✓ Trial users\n✗ Churn risk" in text
    assert "lifetime_value: 12,345.678" in text
    assert ":office: *Acme Inc* (acme) — Plan: enterprise" in text
    assert "*globex* — :warning: account traits unavailable (ref req-9)" in text
    assert "*Order Completed* · <!date^1714555800^" in text
    assert "total: 120.5 · currency: EUR · order_id: o_0" in text
    assert "google.com" not in text and "very=long" not in text  # noisy properties skipped
    # A page view shows where it was: the path (here from its url), then telling properties.
    assert "*Page Viewed* · <!date^1714642200^" in text
    assert "UTC> · path: /checkout · total: 121.5 · currency: EUR" in text
    assert "Only visible to you · fetched <!date^1717243200^" in text
    assert msg["text"] == "Customer profile"


def test_hidden_traits_never_appear():
    dumped = json.dumps(build_profile_message(full_profile(), OPTIONS, ref=REF))
    assert "hunter2" not in dumped and "4111" not in dumped
    assert "password" not in dumped.lower() and "creditcard" not in dumped.lower()


def test_buttons_carry_only_the_reference():
    msg = build_profile_message(full_profile(), OPTIONS, ref=REF)
    buttons = _buttons(msg)
    assert list(buttons) == [ids.ALL_TRAITS, ids.MORE_EVENTS, ids.OPEN_IN_SEGMENT, ids.SHARE]
    assert {b["value"] for b in buttons.values()} == {REF}
    assert buttons[ids.OPEN_IN_SEGMENT]["url"] == (
        "https://app.segment.com/acme/unify/spaces/spa_123/explorer"
    )


def test_sharing_off_and_no_slug_remove_those_buttons():
    options = replace(OPTIONS, sharing_enabled=False, workspace_slug=None)
    profile = full_profile(events_cursor=None)
    msg = build_profile_message(profile, options, ref=REF)
    assert_valid_message(msg)
    assert list(_buttons(msg)) == [ids.ALL_TRAITS]


@pytest.mark.parametrize("slug", ["a/../b?x=1", "acme corp", "x" * 101, "\ud800", "-x"])
def test_a_slug_that_cant_be_segments_gets_no_link(slug):
    options = replace(OPTIONS, workspace_slug=slug)
    msg = build_profile_message(full_profile(), options, ref=REF)
    assert_valid_message(msg)
    assert ids.OPEN_IN_SEGMENT not in _buttons(msg)


def test_admin_order_and_labels_for_pinned_traits():
    options = replace(
        OPTIONS, pinned_traits=(("plan", "Tier"), ("createdAt", "Since"), ("name", "Who"))
    )
    fields = _fields(build_profile_message(full_profile(), options, ref=REF))
    assert [f.split("\n")[0] for f in fields] == ["*Tier*", "*Since*", "*Who*"]


def test_no_pinned_trait_present_shows_first_traits():
    traits = {f"t{i}": i for i in range(9)}
    profile = Profile(identifier=JANE, fetched_at=FETCHED_AT, traits=traits)
    msg = build_profile_message(profile, OPTIONS, ref=REF)
    assert_valid_message(msg)
    assert [f.split("\n")[0] for f in _fields(msg)] == [f"*t{i}*" for i in range(6)]
    assert "Showing 6 of 9 traits · 3 more traits" in _texts(msg)


def test_header_name_fallbacks():
    def header(traits):
        profile = Profile(identifier=JANE, fetched_at=FETCHED_AT, traits=traits)
        return build_profile_message(profile, OPTIONS, ref=REF)["blocks"][0]["text"]["text"]

    assert header({"firstName": "Ada", "last_name": "Lovelace"}) == "Ada Lovelace"
    assert header({"email": "ada@x.io"}) == "ada@x.io"
    assert header({"name": 42}) == "email:jane@acme.com"
    assert header({"name": "  Ada \n Lovelace "}) == "Ada Lovelace"
    assert len(header({"name": "x" * 500})) == 150


def test_partial_profile_says_which_sections_failed():
    errors = {
        "events": SectionError(ErrorKind.TIMEOUT, "timeout", request_id="req-1"),
        "audiences": SectionError(ErrorKind.RATE_LIMITED, "rate_limited"),
        "external_ids": SectionError(ErrorKind.UPSTREAM, "upstream_error, HTTP 502"),
    }
    profile = full_profile(
        events=(), events_cursor=None, audiences={}, external_ids=(), errors=errors
    )
    msg = build_profile_message(profile, OPTIONS, ref=REF)
    assert_valid_message(msg)
    text = _texts(msg)
    assert ":warning: Recent events unavailable: Segment timed out (ref req-1)" in text
    assert ":warning: Audiences unavailable: Segment is busy" in text
    assert ":warning: Identifiers unavailable: Segment returned an error" in text
    assert "partial profile" in text and msg["text"] == "Customer profile (partial)"
    assert "No recent events" not in text
    assert "*Name*\nJane Doe" in text  # what did arrive is still shown


def test_traits_failed_but_events_arrived():
    errors = {"traits": SectionError(ErrorKind.MALFORMED, "malformed_response")}
    profile = full_profile(traits={}, errors=errors)
    msg = build_profile_message(profile, OPTIONS, ref=REF)
    assert_valid_message(msg)
    text = _texts(msg)
    assert "Traits unavailable: Segment sent an answer the bot could not read" in text
    assert msg["blocks"][0]["text"]["text"] == "email:jane@acme.com"
    assert "*Recent events*" in text


def test_no_events_and_no_traits():
    profile = Profile(identifier=JANE, fetched_at=FETCHED_AT)
    msg = build_profile_message(profile, OPTIONS, ref=REF)
    assert_valid_message(msg)
    text = _texts(msg)
    assert "No recent events." in text and "No traits recorded yet." in text
    assert ids.MORE_EVENTS not in _buttons(msg)


def test_incomplete_traits_say_so():
    profile = replace(many_traits_profile(1000), traits_complete=False)
    msg = build_profile_message(profile, OPTIONS, ref=REF)
    assert_valid_message(msg)
    assert "Showing 6 of 1,000+ traits · 994+ more traits" in _texts(msg)


def test_350_traits_stay_within_limits():
    msg = build_profile_message(many_traits_profile(350), OPTIONS, ref=REF)
    assert_valid_message(msg)
    assert "Showing 6 of 350 traits" in _texts(msg)


def test_many_accounts_and_events_are_cut_visibly():
    accounts = tuple(
        LinkedAccount(f"g{i}", {"name": f"Account {i}", "plan": "x" * 500}) for i in range(30)
    )
    many = tuple(
        Event(event="E" * 300, type="track", timestamp="2024-01-01T00:00:00Z", properties={"a": 1})
        for _ in range(50)
    )
    msg = build_profile_message(full_profile(accounts=accounts, events=many), OPTIONS, ref=REF)
    assert_valid_message(msg)
    text = _texts(msg)
    assert "more accounts" in text and "more events" in text


def test_hostile_customer_is_inert():
    msg = build_profile_message(hostile_profile(), OPTIONS, ref=REF)
    assert_valid_message(msg)  # includes: no live <!…>, <@…>, <#…>, <http…> from data
    text = _texts(msg)
    assert "&lt;!channel&gt;" in text
    assert "x" * 400 not in text and "k" * 100 not in text


def test_profile_view_is_the_same_card_in_a_modal():
    profile = full_profile()
    view = build_profile_view(profile, OPTIONS, ref=REF, private_metadata="ctx")
    assert_valid_view(view)
    assert view["callback_id"] == ids.PROFILE_VIEW and view["private_metadata"] == "ctx"
    assert view["blocks"] == build_profile_message(profile, OPTIONS, ref=REF)["blocks"]
    assert_valid_view(build_profile_view(hostile_profile(), OPTIONS, ref=REF, private_metadata=""))


def test_options_from_settings():
    from bot.settings import load_settings

    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
        "SEGMENT_SPACE_ID": "spa_1",
        "SEGMENT_ACCESS_TOKEN": "t",
        "PROFILE_ALLOW_ALL_USERS": "true",
        "SEGMENT_WORKSPACE_SLUG": "acme",
        "PROFILE_PINNED_TRAITS": "plan=Tier,name",
        "PROFILE_SHARING_ENABLED": "false",
    }
    options = CardOptions.from_settings(load_settings(env, env_file=None))
    assert options.pinned_traits == (("plan", "Tier"), ("name", "Name"))
    assert options.workspace_slug == "acme" and options.space_id == "spa_1"
    assert options.sharing_enabled is False
    assert options.policy.is_hidden("password")


def test_other_identifier_in_context_line():
    profile = Profile(identifier=Identifier("phone", "+15555550123"), fetched_at=FETCHED_AT)
    msg = build_profile_message(profile, OPTIONS, ref=REF)
    assert "🔍 phone:+15555550123" in _texts(msg)


@pytest.mark.parametrize("known_errors", [False, True])
def test_worst_case_card_stays_well_under_slacks_text_total(known_errors):
    profile, options = worst_case(known_errors=known_errors)
    msg = build_profile_message(profile, options, ref=REF)
    assert_valid_message(msg)  # includes the 10,000-character total (Slack fails near 12-13k)
    assert sum(len(text) for text in all_texts(msg)) < 9_000
    assert "more parts failed" in _texts(msg)
    view = build_profile_view(profile, options, ref=REF, private_metadata="x" * 3000)
    assert_valid_view(view)
    for page in (1, 2, 3, 7):
        assert_valid_view(build_all_traits_view(profile, options, ref=REF, page=page))
    assert_valid_message(
        build_shared_message(profile, options, shared_by_user_id="U1"), allowed_mentions={"U1"}
    )


@pytest.mark.parametrize(
    ("age", "said"),
    [
        (0.0, "fetched under a minute ago"),
        (59.9, "fetched under a minute ago"),
        (240.0, "fetched 4 min ago"),
        (3 * 3600 + 5, "fetched 3 h ago"),
        (2 * 86400, "fetched 2 d ago"),
    ],
)
def test_a_cached_card_says_how_old_its_data_is(age, said):
    message = build_profile_message(full_profile(), OPTIONS, ref=REF, cached_age=age)
    assert_valid_message(message)
    footer = message["blocks"][-1]["elements"][0]["text"]
    assert footer == f":lock: Only visible to you · {said}"
    fresh = build_profile_message(full_profile(), OPTIONS, ref=REF)["blocks"][-1]
    assert "fetched <!date^" in fresh["elements"][0]["text"]


def test_a_profile_matched_only_as_typed_says_so():
    exact = Identifier("user_id", "c0HN02fNe1", exact=True)
    message = build_profile_message(replace(full_profile(), identifier=exact), OPTIONS, ref=REF)
    assert_valid_message(message)
    assert "user_id:c0HN02fNe1 · matched exactly as typed" in _texts(message)
    assert "matched exactly" not in _texts(build_profile_message(full_profile(), OPTIONS, ref=REF))
