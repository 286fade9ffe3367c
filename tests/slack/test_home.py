"""The App Home tab over real HTTP: published per person on app_home_opened; its search opens
the card in a modal; recent lookups (newest first, only found customers, per person) reopen
it; Clear my history; history off; expiry; non-members see only the refusal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from bot.settings import Settings
from bot.slack.history import RecentLookups
from bot.slack.services import AppServices
from bot.state.memory import MemoryHistoryStore
from bot.wiring import build_services
from tests.support.chat_events import home_opened, post_home_action, posted
from tests.support.harness import JANE, MEMBER, MEMBER_2, OUTSIDER, BotHarness, card_text

TOM = "tom.becker@example.org"


def _open_home(bot: BotHarness, user: str = MEMBER, count: int = 1) -> dict[str, Any]:
    bot.post_event(home_opened(bot, user))
    posted(bot, "views.publish", count, user_id=user)
    view = bot.slack.home_view(user)
    assert view is not None
    return view


def _search(bot: BotHarness, text: str, user: str = MEMBER) -> None:
    sent = post_home_action(bot, "home_search", "search", user=user, search=text)
    assert sent.response.status_code == 200


def _recent_buttons(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        b["accessory"]
        for b in view["blocks"]
        if b.get("accessory", {}).get("action_id") == "home_recent"
    ]


def _published(bot: BotHarness, user: str, count: int) -> dict[str, Any]:
    posted(bot, "views.publish", count, user_id=user)
    view = bot.slack.home_view(user)
    assert view is not None
    return view


def test_the_home_tab_has_search_history_and_how_to(bot: BotHarness) -> None:
    view = _open_home(bot)
    text = card_text(view)
    assert "home_search_input" in text and "home_search" in text
    assert "Nothing yet" in text
    for surface in ("/profile", "Look up customer", "direct message", "Mention me"):
        assert surface in text
    assert bot.sandbox.request_count() == 0
    # The Messages tab also sends app_home_opened (tab=messages): no Home published for it.
    bot.post_event(home_opened(bot, MEMBER, tab="messages"))
    bot.settle()
    assert len(bot.slack.calls("views.publish")) == 1


def test_search_opens_the_card_in_a_modal_and_lists_it(bot: BotHarness) -> None:
    _open_home(bot)
    _search(bot, JANE)
    bot.wait_view(lambda v: v.get("type") == "modal" and "Jane Doe" in card_text(v))
    [record] = bot.wait_audit(action="lookup")
    assert record["entry_point"] == "home"
    view = _published(bot, MEMBER, 2)
    [recent] = _recent_buttons(view)
    assert JANE not in recent["value"]  # an opaque id, not the identifier
    assert "Jane Doe" in card_text(view)


def test_recent_lookups_newest_first_found_only_and_per_person(bot: BotHarness) -> None:
    _open_home(bot)
    _search(bot, JANE)
    _published(bot, MEMBER, 2)
    _search(bot, TOM)
    _published(bot, MEMBER, 3)
    _search(bot, "nobody@example.com")  # found nobody: not remembered
    bot.wait_view(lambda v: "nobody@example.com" in card_text(v) and v.get("type") == "modal")
    view = _published(bot, MEMBER, 4)
    text = card_text(view)
    assert text.index("Tom Becker") < text.index("Jane Doe")
    assert "nobody@example.com" not in text
    assert len(_recent_buttons(view)) == 2
    # Another member's Home shows none of it.
    other = _open_home(bot, MEMBER_2)
    assert "Jane Doe" not in card_text(other) and "Nothing yet" in card_text(other)


def test_a_recent_lookup_reopens_the_card(bot: BotHarness) -> None:
    _open_home(bot)
    _search(bot, JANE)
    view = _published(bot, MEMBER, 2)
    [recent] = _recent_buttons(view)
    post_home_action(bot, "home_recent", recent["value"])
    posted(bot, "views.open", 2)
    assert len(bot.wait_audit(2, action="lookup", entry_point="home")) == 2


def test_the_card_in_the_modal_keeps_working_buttons(bot: BotHarness) -> None:
    _open_home(bot)
    _search(bot, JANE)
    view_id, view = bot.wait_view(lambda v: v.get("type") == "modal" and "Jane Doe" in card_text(v))
    all_traits = next(
        e
        for b in view["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") == "profile_all_traits"
    )
    bot.post_action("profile_all_traits", all_traits["value"], view_id=view_id)
    bot.wait_view(lambda v: v.get("callback_id") == "all_traits")


def test_clear_my_history(bot: BotHarness) -> None:
    _open_home(bot)
    _search(bot, JANE)
    _published(bot, MEMBER, 2)
    post_home_action(bot, "home_clear_history", "clear")
    view = _published(bot, MEMBER, 3)
    assert "history is cleared" in card_text(view)
    assert _recent_buttons(view) == []
    assert bot.services.history.entries(MEMBER) == []
    [record] = bot.wait_audit(action="history")
    assert record["outcome"] == "cleared" and record["entry_point"] == "home"


def test_history_can_be_turned_off(make_bot: Callable[..., BotHarness]) -> None:
    bot = make_bot(env={"PROFILE_HISTORY_ENABLED": "false"})
    _open_home(bot)
    _search(bot, JANE)
    bot.wait_view(lambda v: v.get("type") == "modal" and "Jane Doe" in card_text(v))
    view = _published(bot, MEMBER, 2)
    assert "turned lookup history off" in card_text(view)
    assert bot.services.state.history.get(MEMBER) == []


def test_history_expires(make_bot: Callable[..., BotHarness]) -> None:
    now = [1_000_000.0]

    def services(settings: Settings) -> AppServices:
        built = build_services(settings)
        store = MemoryHistoryStore(timer=lambda: now[0])
        history = RecentLookups(
            store, enabled=True, ttl=settings.history_ttl_seconds, clock=lambda: now[0]
        )
        return replace(built, history=history)

    bot = make_bot(services_factory=services)
    _open_home(bot)
    _search(bot, JANE)
    assert "Jane Doe" in card_text(_published(bot, MEMBER, 2))
    now[0] += 7 * 24 * 3600 + 1  # the default TTL, 7 days, has passed
    view = _open_home(bot, count=3)
    assert "Nothing yet" in card_text(view)


def test_invalid_search_is_said_on_the_tab(bot: BotHarness) -> None:
    _open_home(bot)
    _search(bot, "not an identifier")
    view = _published(bot, MEMBER, 2)
    assert "information_source" in card_text(view)
    assert bot.slack.calls("views.open") == []
    assert bot.sandbox.request_count() == 0


def test_a_non_member_sees_only_the_refusal(bot: BotHarness) -> None:
    view = _open_home(bot, OUTSIDER)
    text = card_text(view)
    assert "don't have access" in text and "cs-team" in text
    assert "home_search" not in text
    [record] = bot.wait_audit(action="refusal")
    assert record["entry_point"] == "home"
    # A Home button pressed by a non-member (an old tab): refused on the tab, no lookup.
    post_home_action(bot, "home_search", "search", user=OUTSIDER, search=JANE)
    posted(bot, "views.publish", 2, user_id=OUTSIDER)
    assert len(bot.wait_audit(2, action="refusal", entry_point="home")) == 2
    assert bot.slack.calls("views.open") == []
    assert bot.sandbox.request_count() == 0
