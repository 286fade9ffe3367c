"""Counted nouns read right everywhere: "1 more trait", "2 more traits", "1 member"."""

from __future__ import annotations

from bot.slack.cards.common import join_lines
from bot.wording import plural


def test_plural() -> None:
    assert plural(1, "trait") == "1 trait"
    assert plural(0, "trait") == "0 traits"
    assert plural(1_200, "member") == "1,200 members"
    assert plural(2, "person", "people") == "2 people"


def test_the_more_note_of_a_cut_list_is_singular_for_one() -> None:
    lines = ["a" * 40, "b" * 40, "c" * 40]
    assert join_lines(lines, 120, "audience", suffix=" — see All traits").endswith(
        "\n+1 more audience — see All traits"
    )
    assert join_lines(lines, 60, "event").endswith("\n+2 more events")
