"""Account cards over real HTTP: the card, its people, and the way between people and accounts."""

from __future__ import annotations

from typing import Any

from bot.sandbox.faults import Fault
from tests.support.harness import (
    JANE,
    MEMBER_2,
    OUTSIDER,
    BotHarness,
    button,
    card_text,
    find_buttons,
    has_button,
)

OPEN_PERSON = "account_open_person"
OPEN_ACCOUNT = "profile_open_account"
PEOPLE = "account_people"


def account_card(bot: BotHarness, text: str = "account:acme-corp") -> dict[str, Any]:
    sent = bot.post_command(text)
    return bot.wait_response(sent.response_url)


def person_buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in find_buttons(card) if b.get("action_id") == OPEN_PERSON]


def test_account_card_shows_key_traits_classes_and_people(bot: BotHarness) -> None:
    card = account_card(bot)
    text = card_text(card)
    blocks = card["blocks"]
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Acme Corp", "emoji": False},
    }
    assert "group_id:acme-corp" in card_text(blocks[1])
    fields = [f["text"] for f in blocks[3]["fields"]]
    assert fields[:3] == ["*Name*\nAcme Corp", "*Plan*\nenterprise", "*Industry*\nManufacturing"]
    assert "*Health*\n82" in fields and "*CSM*\nDana Whitfield" in fields  # a computed trait
    # Classified: account audiences and computed traits in their own sections, not as traits.
    assert "✓ enterprise_accounts" in text and "✗ at_risk_accounts" in text
    assert "*Computed traits*\\nactive_users_30d: 38" in text  # health_score is pinned above
    assert "*People* (12 linked)" in text
    assert "*Jane Doe* · VP of Operations · jane@example.com" in text
    assert len(person_buttons(card)) == 10  # the default cap; all 12 are in the People modal
    assert "+2 more — see *People*" in text
    for action in ("profile_all_traits", PEOPLE, "profile_open_in_segment", "profile_share"):
        assert has_button(card, action)
    # Nothing the accounts collection cannot fill.
    assert "events" not in text.lower() and "Identifiers" not in text
    assert not has_button(card, "profile_more_events")
    [lookup] = bot.wait_audit(action="lookup")
    assert lookup["outcome"] == "shown" and "people" in lookup["sections"]


def test_admin_cap_and_shortcut_alias(make_bot: Any) -> None:
    bot = make_bot(env={"PROFILE_ACCOUNT_PEOPLE_ON_CARD": "3"})
    card = account_card(bot, "group_id:acme-corp")
    assert len(person_buttons(card)) == 3
    assert "+9 more — see *People*" in card_text(card)
    bot.post_shortcut(
        {
            "type": "message",
            "user": "U0COLLEAGUE",
            "text": "CSM check-in due for account:globex today",
        }
    )
    _, view = bot.wait_view(lambda v: "Globex Corporation" in card_text(v))
    assert len(person_buttons(view)) == 3
    assert "20+ linked" in card_text(view) and "at most 20 linked people" in card_text(view)


def test_people_modal_lists_everyone_and_opens_a_person(bot: BotHarness) -> None:
    card = account_card(bot, "account:globex")
    bot.sandbox.clear_requests()
    bot.post_action(PEOPLE, button(card, PEOPLE)["value"])
    view_id, people = bot.wait_view(lambda v: v.get("callback_id") == "account_people_view")
    assert len(person_buttons(people)) == 20
    assert bot.sandbox.request_count() == 0  # from the cached account
    last = person_buttons(people)[-1]
    assert "*Stefan Horvat*" in card_text(people["blocks"][-2])  # the 20th Segment lists
    bot.post_action(OPEN_PERSON, last["value"], view_id=view_id)
    bot.slack.wait_for_calls("views.push")
    _, person = bot.wait_view(
        lambda v: "Stefan Horvat" in card_text(v) and "Identifiers" in card_text(v)
    )
    assert "Globex Corporation" in card_text(person)  # their linked account, with its button
    assert has_button(person, OPEN_ACCOUNT)


def test_person_card_opens_the_account_and_back(bot: BotHarness) -> None:
    sent = bot.post_command(f"email:{JANE}")
    jane = bot.wait_response(sent.response_url)
    opener = button(jane, OPEN_ACCOUNT)
    bot.post_action(OPEN_ACCOUNT, opener["value"])
    bot.slack.wait_for_calls("views.open")
    view_id, account = bot.wait_view(
        lambda v: v.get("title", {}).get("text") == "Account" and "Acme Corp" in card_text(v)
    )
    assert "*People* (12 linked)" in card_text(account)
    # From the account (a modal) to one of its people: pushed on top.
    bot.post_action(OPEN_PERSON, person_buttons(account)[1]["value"], view_id=view_id)
    bot.slack.wait_for_calls("views.push")
    bot.wait_view(lambda v: "Marcus Lee" in card_text(v) and "Identifiers" in card_text(v))
    opened = [r["id_hash"] for r in bot.wait_audit(3, action="lookup")]
    assert len(set(opened)) == 3  # Jane, Acme, Marcus: each looked up and audited


def test_a_person_that_fails_is_listed_by_identifier(bot: BotHarness) -> None:
    bot.sandbox.add_fault(Fault(route="traits", segment="user_id:u_acme_003", status=500))
    text = card_text(account_card(bot))
    assert "`user_id:u_acme_003` — details unavailable" in text
    assert "*Nina Petrova*" in text  # the others are whole
    [record] = bot.wait_audit(action="lookup")
    assert record["detail"] == "failed: 1 of 12 people's details"


def test_account_with_nobody_linked_has_no_people_button(bot: BotHarness) -> None:
    card = account_card(bot, "account:vandelay-industries")
    assert "No people linked to this account." in card_text(card)
    assert not has_button(card, PEOPLE) and person_buttons(card) == []


def test_share_uses_the_account_list_and_never_the_people(bot: BotHarness) -> None:
    card = account_card(bot)
    bot.post_action("profile_share", button(card, "profile_share")["value"])
    _, preview = bot.wait_view(lambda v: v.get("callback_id") == "share_confirm")
    text = card_text(preview)
    assert "*Industry*\\nManufacturing" in text and "*Plan*\\nenterprise" in text
    assert "MRR" not in text and "Jane" not in text and "Dana" not in text


def test_gate_and_requester_check_on_the_new_buttons(bot: BotHarness) -> None:
    card = account_card(bot)
    sent = bot.post_command(f"email:{JANE}")
    jane = bot.wait_response(sent.response_url)
    clicks = [
        (PEOPLE, button(card, PEOPLE)["value"]),
        (OPEN_PERSON, person_buttons(card)[0]["value"]),
        (OPEN_ACCOUNT, button(jane, OPEN_ACCOUNT)["value"]),
    ]
    bot.sandbox.clear_requests()
    for action, value in clicks:
        refusal = bot.wait_response(bot.post_action(action, value, user=OUTSIDER).response_url)
        assert "don't have access" in card_text(refusal)
        refusal = bot.wait_response(bot.post_action(action, value, user=MEMBER_2).response_url)
        assert "Only the person who looked this up" in card_text(refusal)
    assert bot.slack.calls("views.open") == []
    assert bot.sandbox.request_count() == 0
    assert len(bot.wait_audit(6, action="refusal")) == 6


def test_a_full_window_stack_replaces_the_top_window(bot: BotHarness) -> None:
    """Slack stacks at most three windows; the fourth card replaces the top one."""
    card = account_card(bot)
    bot.post_action(PEOPLE, button(card, PEOPLE)["value"])
    view_id, people = bot.wait_view(lambda v: v.get("callback_id") == "account_people_view")
    bot.slack.fail("views.push", "push_limit_reached", times=1)
    bot.post_action(OPEN_PERSON, person_buttons(people)[0]["value"], view_id=view_id)
    bot.wait_view(lambda v: "Jane Doe" in card_text(v) and "Identifiers" in card_text(v))
    assert "Jane Doe" in card_text(bot.slack.views()[view_id])  # in the window clicked in
    # Any other refusal is explained, not papered over.
    bot.slack.fail("views.push", "not_allowed_token_type", times=1)
    bot.post_action(OPEN_PERSON, person_buttons(card)[1]["value"], view_id=view_id)
    bot.wait_view(lambda v: "lacks a permission" in card_text(v))


def test_space_without_account_audiences(bot: BotHarness) -> None:
    """Account audiences are a Segment feature a space may not have: no section, no warning."""
    bot.sandbox.account_audiences = False
    text = card_text(account_card(bot))
    assert "Audiences" not in text and "unavailable" not in text
    assert "*Health*\\n82" in text  # computed traits are still classified and shown


def test_a_forged_index_opens_nothing(bot: BotHarness) -> None:
    card = account_card(bot, "account:initech")
    ref = button(card, PEOPLE)["value"]
    bot.sandbox.clear_requests()
    for value in (f"{ref}:3", f"{ref}:-1", f"{ref}:²", f"{ref}:x"):
        notice = bot.wait_response(bot.post_action(OPEN_PERSON, value).response_url)
        assert "no longer on this card" in card_text(notice)
    notice = bot.wait_response(bot.post_action(OPEN_PERSON, ref).response_url)
    assert "expired" in card_text(notice)  # no index: not a ref this bot made
    assert bot.slack.calls("views.open") == [] and bot.sandbox.request_count() == 0


def test_all_traits_of_an_account(bot: BotHarness) -> None:
    card = account_card(bot)
    bot.sandbox.clear_requests()
    bot.post_action("profile_all_traits", button(card, "profile_all_traits")["value"])
    _, view = bot.wait_view(lambda v: v.get("callback_id") == "all_traits")
    text = card_text(view)
    for expected in ("*Traits*", "*Computed traits*", "*Audiences*", "renewal_date", "seats"):
        assert expected in text, expected
    assert bot.sandbox.request_count() == 0  # the cached account
