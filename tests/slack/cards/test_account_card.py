"""The account card, the People modal and the person card's account buttons, tested as data."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.identifiers import Identifier
from bot.segment.errors import ErrorKind
from bot.segment.models import LinkedAccount, LinkedPerson, Profile, SectionError
from bot.slack import component_ids as ids
from bot.slack.cards import (
    build_all_traits_view,
    build_profile_message,
    build_profile_view,
    build_share_confirm_view,
    build_shared_message,
)
from bot.slack.cards.people import build_people_view
from tests.slack.cards.profiles import FETCHED_AT, HOSTILE, OPTIONS, REF, full_profile
from tests.support.blockkit import all_texts, assert_valid_message, assert_valid_view
from tests.support.harness import card_text, find_buttons

ACME = Identifier("group_id", "acme-corp")


def person(i: int, **traits: Any) -> LinkedPerson:
    base = {"name": f"Person {i}", "email": f"p{i}@acme.example", "title": "Engineer"}
    return LinkedPerson("user_id", f"u_{i}", {**base, **traits}, fetched=True)


def account(**overrides: Any) -> Profile:
    fields: dict[str, Any] = {
        "identifier": ACME,
        "fetched_at": FETCHED_AT,
        "traits": {"name": "Acme Corp", "plan": "enterprise", "mrr": 18900, "seats": 60},
        "audiences": {"enterprise_accounts": True, "at_risk_accounts": False},
        "computed_traits": {"health_score": 82, "active_users_30d": 38},
        "people": tuple(person(i) for i in range(12)),
    }
    fields.update(overrides)
    return Profile(**fields)


def opens(card: dict[str, Any], action_id: str) -> list[str]:
    return [b["value"] for b in find_buttons(card) if b["action_id"] == action_id]


def test_account_card_layout() -> None:
    msg = build_profile_message(account(), OPTIONS, ref=REF)
    assert_valid_message(msg)
    text = card_text(msg)
    assert msg["text"] == "Account profile"
    assert msg["blocks"][0]["text"]["text"] == "Acme Corp"
    fields = [f["text"] for f in msg["blocks"][3]["fields"]]
    assert fields == ["*Name*\nAcme Corp", "*Plan*\nenterprise", "*MRR*\n18,900", "*Health*\n82"]
    assert "✓ enterprise_accounts" in text
    assert "health_score" not in text.replace("Health", "")  # pinned, not repeated below
    assert opens(msg, ids.OPEN_PERSON) == [f"{REF}:{i}" for i in range(10)]
    assert "+2 more — see *People*" in text
    assert opens(msg, ids.PEOPLE) == [REF]
    assert "No recent events" not in text and "Identifiers" not in text


def test_people_modal_lists_all_with_open_buttons() -> None:
    view = build_people_view(account(), OPTIONS, ref=REF)
    assert_valid_view(view)
    assert opens(view, ids.OPEN_PERSON) == [f"{REF}:{i}" for i in range(12)]
    assert view["private_metadata"] == REF and view["callback_id"] == ids.PEOPLE_VIEW


def test_people_without_details_are_marked() -> None:
    failed = LinkedPerson(
        "user_id",
        "u_9",
        fetched=True,
        error=SectionError(ErrorKind.TIMEOUT, "timeout", request_id="req-1"),
    )
    bare = LinkedPerson("anonymous_id", "anon-1", {}, fetched=True)
    msg = build_profile_message(account(people=(failed, bare)), OPTIONS, ref=REF)
    text = card_text(msg)
    assert "`user_id:u_9` — details unavailable (no answer in time) (ref req-1)" in text
    assert "`anonymous_id:anon-1` — no name on record" in text
    assert len(opens(msg, ids.OPEN_PERSON)) == 2  # either can still be opened


def test_failed_sections_and_no_people() -> None:
    error = SectionError(ErrorKind.UPSTREAM, "x")
    msg = build_profile_message(
        account(people=(), errors={"people": error, "audiences": error}), OPTIONS, ref=REF
    )
    text = card_text(msg)
    assert "Linked people unavailable" in text and "Audiences unavailable" in text
    assert not opens(msg, ids.PEOPLE)
    empty = card_text(build_profile_message(account(people=()), OPTIONS, ref=REF))
    assert "No people linked to this account." in empty


def test_hostile_account_and_people_are_inert() -> None:
    hostile = dict(zip((f"k{i}" for i in range(len(HOSTILE))), HOSTILE, strict=True))
    people = tuple(person(i, name=h, title=h, email=h) for i, h in enumerate(HOSTILE))
    profile = account(traits={"name": HOSTILE[0], "plan": HOSTILE[6], **hostile}, people=people)
    options = replace(OPTIONS, account_people_on_card=20)
    assert_valid_message(build_profile_message(profile, options, ref=REF))
    assert_valid_view(build_people_view(profile, options, ref=REF))
    assert_valid_view(build_profile_view(profile, options, ref=REF, private_metadata=REF))


def test_worst_case_twenty_people_stay_under_the_message_total() -> None:
    big = "<&" * 3000
    people = tuple(
        LinkedPerson("user_id", big, {"name": big, "email": big, "title": big}, fetched=True)
        for _ in range(20)
    )
    keys = [k for k, _ in OPTIONS.account_pinned_traits]
    profile = account(
        identifier=Identifier("group_id", big),
        traits={**dict.fromkeys(keys, big), **{f"x{i}{big}": big for i in range(40)}},
        audiences={f"{i}{big}": True for i in range(50)},
        computed_traits={f"{i}{big}": big for i in range(50)},
        people=people,
        traits_complete=False,
    )
    options = replace(OPTIONS, account_people_on_card=20)
    msg = build_profile_message(profile, options, ref=REF)
    assert_valid_message(msg)
    assert sum(len(text) for text in all_texts(msg)) < 9_000
    assert_valid_view(build_people_view(profile, options, ref=REF))
    assert_valid_view(build_all_traits_view(profile, options, ref=REF, page=2))


def test_shared_account_uses_its_own_list_and_no_people() -> None:
    shared = build_shared_message(account(), OPTIONS, shared_by_user_id="U1")
    assert_valid_message(shared, allowed_mentions={"U1"})
    text = card_text(shared)
    assert "*Plan*\\nenterprise" in text and "MRR" not in text and "Person 0" not in text
    preview = build_share_confirm_view(account(), OPTIONS, ref=REF, channel_is_external=False)
    assert_valid_view(preview)


def test_person_card_has_a_button_per_linked_account() -> None:
    accounts = (
        LinkedAccount("acme-corp", {"name": "Acme Corp"}),
        LinkedAccount("umbrella", error=SectionError(ErrorKind.NOT_FOUND, "no such account")),
        LinkedAccount("globex", error=SectionError(ErrorKind.TIMEOUT, "t")),
    )
    msg = build_profile_message(full_profile(accounts=accounts), OPTIONS, ref=REF)
    assert_valid_message(msg)
    # An account Segment has no profile for has nothing to open; one that timed out may work now.
    assert opens(msg, ids.OPEN_ACCOUNT) == [f"{REF}:0", f"{REF}:2"]


def test_markers_in_account_and_people_data_stay_inert() -> None:
    """Every surface of an account shows no live mrkdwn marker its data brought (issue 11 §7)."""
    from tests.slack.cards.test_inert_data import HOSTILE_VALUES, bidi_in, surface_markers, twin

    def build(text: Any) -> Profile:
        values = [text(v) for v in HOSTILE_VALUES]
        people = tuple(
            LinkedPerson(
                "user_id", text(f"*u{i}*:x:"), {"name": v, "title": v, "email": v}, fetched=True
            )
            for i, v in enumerate(values)
        )
        return account(
            identifier=Identifier("group_id", text("*acme*:fire:")),
            traits={
                "name": values[0],
                "plan": values[1],
                **{f"k{i}": v for i, v in enumerate(values)},
            },
            audiences={text(":aud:"): True},
            computed_traits={text("_c_"): values[2]},
            people=people,
        )

    options = replace(OPTIONS, account_people_on_card=20)
    hostile, plain = build(lambda v: v), build(twin)
    surfaces = {
        "card": lambda p: build_profile_message(p, options, ref=REF),
        "people": lambda p: build_people_view(p, options, ref=REF),
        "shared": lambda p: build_shared_message(p, options, shared_by_user_id="U1"),
    }
    for name, make in surfaces.items():
        shown = make(hostile)
        assert surface_markers(shown) == surface_markers(make(plain)), name
        assert bidi_in(shown) == [], name
