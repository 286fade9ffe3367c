"""Issue 10 §1-§3 over real HTTP: classes whatever came before, identifier case, provenance."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.harness import JANE, BotHarness, button, card_text

CARLOS = "phone:+15555550123"
SECTIONS = {
    "Jane": {
        "Audiences": {"✓ high_value_user", "✓ active_last_7_days", "✗ trial_expiring"},
        "Computed traits": {
            "lifetime_value",
            "last_order_at",
            "orders_count",
            "avg_order_value",
            "favorite_category",
        },
    },
    "Carlos": {
        "Audiences": {"✓ sms_subscribers", "✗ high_value_user"},
        "Computed traits": {"lifetime_value", "orders_count"},
    },
}


def section_lines(card: dict[str, Any], title: str) -> set[str]:
    """The lines of the card's section headed `*title*` (empty when it has none)."""
    for block in card["blocks"]:
        text = (block.get("text") or {}).get("text", "")
        if block.get("type") == "section" and text.startswith(f"*{title}*\n"):
            lines = text.split("\n")[1:]
            return {line.split(":")[0] if title == "Computed traits" else line for line in lines}
    return set()


def look_up(bot: BotHarness, text: str) -> dict[str, Any]:
    return bot.wait_response(bot.post_command(text).response_url)


def check(card: dict[str, Any], who: str) -> None:
    for title, expected in SECTIONS[who].items():
        assert section_lines(card, title) == expected, (who, title)
    text = card_text(card)
    assert "Showing" not in text or "sms_subscribers" not in text.split("Showing")[0]


@pytest.mark.parametrize("order", [("Jane", "Carlos"), ("Carlos", "Jane")])
def test_each_card_is_classified_whoever_was_looked_up_before(
    bot: BotHarness, order: tuple[str, str]
) -> None:
    typed = {"Jane": f"email:{JANE}", "Carlos": CARLOS}
    for _ in range(2):  # cold, then warm (the cache keeps only right cards)
        for who in order:
            check(look_up(bot, typed[who]), who)
    bot.sandbox.clear_requests()
    check(look_up(bot, CARLOS), "Carlos")
    assert bot.sandbox.request_count() == 0  # warm: no upstream request


def test_mixed_case_user_id_matches_as_typed_and_the_card_says_so(bot: BotHarness) -> None:
    card = look_up(bot, "user_id:c0HN02fNe1")
    text = card_text(card)
    assert "Tom Becker" in text
    assert "user_id:c0HN02fNe1 · matched exactly as typed" in text
    [record] = bot.wait_audit(action="lookup")
    assert record["outcome"] == "shown"
    # The card's buttons ask for the same (exact) profile: from the cache, nothing upstream.
    bot.sandbox.clear_requests()
    bot.post_action("profile_all_traits", button(card, "profile_all_traits")["value"])
    bot.wait_view(lambda v: v.get("callback_id") == "all_traits" and "Page 1 of" in card_text(v))
    assert bot.sandbox.request_count() == 0
    lowercase = card_text(look_up(bot, f"email:{JANE}"))
    assert "matched exactly as typed" not in lowercase


def test_all_traits_shows_when_and_from_where_each_value_came(bot: BotHarness) -> None:
    card = look_up(bot, f"email:{JANE}")
    bot.sandbox.clear_requests()
    bot.post_action("profile_all_traits", button(card, "profile_all_traits")["value"])
    _, view = bot.wait_view(
        lambda v: v.get("callback_id") == "all_traits" and "Page 1 of" in card_text(v)
    )
    fields = [f["text"] for b in view["blocks"] for f in b.get("fields", ())]
    plan = next(f for f in fields if f.startswith("*plan*"))
    assert "from src_Crm4Sf9Lq2" in plan and "updated <!date^" in plan
    name = next(f for f in fields if f.startswith("*name*"))
    assert "from src_Hk7Pz1Rb5M" in name
    assert bot.sandbox.request_count() == 0  # provenance came with the card's own request


def test_a_cached_card_says_how_old_its_data_is(bot: BotHarness) -> None:
    fresh = card_text(look_up(bot, f"email:{JANE}"))
    assert "fetched <!date^" in fresh and " ago" not in fresh.split("Only visible")[-1]
    cached = card_text(look_up(bot, f"email:{JANE}"))
    assert "Only visible to you · fetched under a minute ago" in cached


def test_source_names_from_settings_name_the_sources_in_all_traits(make_bot) -> None:
    bot = make_bot(env={"PROFILE_SOURCE_NAMES": "src_Crm4Sf9Lq2=Salesforce"})
    card = look_up(bot, f"email:{JANE}")
    bot.post_action("profile_all_traits", button(card, "profile_all_traits")["value"])
    _, view = bot.wait_view(
        lambda v: v.get("callback_id") == "all_traits" and "Page 1 of" in card_text(v)
    )
    fields = [f["text"] for b in view["blocks"] for f in b.get("fields", ())]
    assert "from Salesforce" in next(f for f in fields if f.startswith("*plan*"))
    assert "from src_Hk7Pz1Rb5M" in next(f for f in fields if f.startswith("*name*"))
