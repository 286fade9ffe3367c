"""The global shortcut "Look up customer" (search_profile) over real HTTP: a modal with an
input; submitting shows the card in the same modal, its buttons working; non-members refused."""

from __future__ import annotations

from tests.support.chat_events import post_global_shortcut, posted
from tests.support.harness import CHANNEL, JANE, OUTSIDER, BotHarness, button, card_text


def _form(bot: BotHarness) -> str:
    sent = post_global_shortcut(bot)
    assert sent.response.status_code == 200
    view_id, _ = bot.wait_view(lambda v: v.get("callback_id") == "enter_identifier")
    return view_id


def test_submitting_shows_the_card_in_the_same_modal(bot: BotHarness) -> None:
    view_id = _form(bot)
    answer = bot.post_view_submission(
        view_id, values={"identifier_block": {"identifier_input": JANE}}
    ).json()
    assert answer["response_action"] == "update"  # "Looking up…" in the same modal
    card_view_id, view = bot.wait_view(lambda v: "Jane Doe" in card_text(v))
    assert card_view_id == view_id  # the same modal
    [record] = bot.wait_audit(action="lookup")
    assert record["entry_point"] == "global_shortcut"
    # Its buttons work there: All traits, and Share (which asks where to).
    bot.post_action(
        "profile_all_traits", button(view, "profile_all_traits")["value"], view_id=view_id
    )
    bot.wait_view(lambda v: v.get("callback_id") == "all_traits")
    bot.post_action("profile_share", button(view, "profile_share")["value"], view_id=view_id)
    bot.wait_view(lambda v: "share_target_block" in card_text(v))
    assert CHANNEL not in card_text(view)


def test_invalid_input_stays_in_the_form(bot: BotHarness) -> None:
    view_id = _form(bot)
    answer = bot.post_view_submission(
        view_id, values={"identifier_block": {"identifier_input": "not one"}}
    ).json()
    assert answer["response_action"] == "errors"
    assert bot.sandbox.request_count() == 0


def test_a_non_member_gets_the_refusal_in_a_modal(bot: BotHarness) -> None:
    post_global_shortcut(bot, user=OUTSIDER)
    [opened] = posted(bot, "views.open")
    assert "don't have access" in card_text(opened["view"])
    [record] = bot.wait_audit(action="refusal")
    assert record["entry_point"] == "global_shortcut"
    assert bot.sandbox.request_count() == 0
