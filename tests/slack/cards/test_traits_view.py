"""The All traits modal: every visible trait, a page at a time, with Prev/Next."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.segment.errors import ErrorKind
from bot.segment.models import Profile, SectionError, TraitSource
from bot.slack import component_ids as ids
from bot.slack.cards import build_all_traits_view, page_count
from tests.slack.cards.profiles import (
    FETCHED_AT,
    JANE,
    OPTIONS,
    REF,
    full_profile,
    hostile_profile,
    many_traits_profile,
)
from tests.support.blockkit import all_texts, assert_valid_view


def _nav(view) -> dict[str, str]:
    found = {}
    for block in view["blocks"]:
        if block["type"] == "actions":
            for element in block["elements"]:
                assert element["action_id"] == ids.ALL_TRAITS_PAGE
                found[element["text"]["text"]] = element["value"]
    return found


def _keys(view) -> list[str]:
    keys = []
    for block in view["blocks"]:
        for field in block.get("fields", []):
            keys.append(field["text"].split("\n")[0].strip("*"))
    return keys


@pytest.mark.parametrize(
    ("page", "first", "nav"),
    [
        (1, "trait_000", {"Next ›": f"{REF}:2"}),
        (9, "trait_160", {"‹ Previous": f"{REF}:8", "Next ›": f"{REF}:10"}),
        (18, "trait_340", {"‹ Previous": f"{REF}:17"}),
    ],
)
def test_paging_first_middle_last(page, first, nav):
    profile = many_traits_profile(350)
    view = build_all_traits_view(profile, OPTIONS, ref=REF, page=page, private_metadata="m")
    assert_valid_view(view)
    assert view["callback_id"] == ids.ALL_TRAITS_VIEW and view["private_metadata"] == "m"
    keys = _keys(view)
    assert keys[0] == first and len(keys) == (10 if page == 18 else 20)
    assert _nav(view) == nav
    text = "\n".join(all_texts(view))
    assert f"Page {page} of 18" in text


def test_every_trait_appears_exactly_once_across_pages():
    profile = many_traits_profile(350)
    pages = page_count(profile, OPTIONS)
    assert pages == 18
    seen = []
    for page in range(1, pages + 1):
        seen += _keys(build_all_traits_view(profile, OPTIONS, ref=REF, page=page))
    assert seen == sorted(profile.traits)


def test_out_of_range_pages_are_clamped():
    profile = many_traits_profile(30)
    assert _keys(build_all_traits_view(profile, OPTIONS, ref=REF, page=0))[0] == "trait_000"
    assert _keys(build_all_traits_view(profile, OPTIONS, ref=REF, page=99))[0] == "trait_020"


def test_groups_hidden_traits_and_sorting():
    view = build_all_traits_view(full_profile(), OPTIONS, ref=REF, page=1)
    assert_valid_view(view)
    text = "\n".join(all_texts(view))
    assert "*Traits*" in text and "*Computed traits*" in text
    assert "hunter2" not in text and "creditCard" not in text
    keys = _keys(view)
    assert keys[:3] == ["address", "company", "created_at"]
    assert "*tags*\nvip, beta, emea, renewal, upsell +2 more" in text
    assert "*address*\ncity: Paris, country: FR, geo: lat: 48.85, lon: 2.35" in text
    # 13 traits + 2 computed = 15, then audiences start on the same page (20 per page).
    page2 = build_all_traits_view(replace(full_profile(), traits={}), OPTIONS, ref=REF, page=1)
    assert "*Audiences*" in "\n".join(all_texts(page2))


def test_empty_failed_and_incomplete():
    empty = Profile(identifier=JANE, fetched_at=FETCHED_AT)
    view = build_all_traits_view(empty, OPTIONS, ref=REF, page=1)
    assert_valid_view(view)
    assert "No traits recorded" in "\n".join(all_texts(view)) and _nav(view) == {}
    failed = replace(empty, errors={"traits": SectionError(ErrorKind.TIMEOUT, "t", "rid-1")})
    text = "\n".join(all_texts(build_all_traits_view(failed, OPTIONS, ref=REF, page=1)))
    assert "Traits unavailable: Segment timed out (ref rid-1)" in text
    cut = replace(many_traits_profile(40), traits_complete=False)
    text = "\n".join(all_texts(build_all_traits_view(cut, OPTIONS, ref=REF, page=1)))
    assert "only the first 40 traits" in text


def test_hostile_and_huge_values_every_page():
    profile = hostile_profile()
    for page in range(1, page_count(profile, OPTIONS) + 1):
        assert_valid_view(build_all_traits_view(profile, OPTIONS, ref=REF, page=page))


def test_each_value_says_when_it_changed_and_which_source_set_it():
    """Provenance from verbose=true; Segment's data, so hostile text stays inert."""
    sources = {
        "name": TraitSource("src_Hk7Pz1Rb5M", "2024-05-30T08:00:00.000Z"),
        "plan": TraitSource("<!channel>", "yesterday-ish"),  # not ISO: shown as sent
        "company": TraitSource(None, None),
    }
    profile = replace(full_profile(), trait_sources=sources)
    named = replace(OPTIONS, source_names={"src_Hk7Pz1Rb5M": "Web app"})
    view = build_all_traits_view(profile, named, ref=REF, page=1)
    assert_valid_view(view)
    fields = {
        f["text"].split("\n")[0].strip("*"): f["text"]
        for b in view["blocks"]
        for f in b.get("fields", [])
    }
    assert fields["name"].endswith(
        "\nupdated <!date^1717056000^{date_short_pretty} at {time}|2024-05-30 08:00 UTC>"
        " · from Web app"
    )
    assert fields["plan"].endswith("\nupdated yesterday-ish · from &lt;!channel&gt;")
    assert "updated" not in fields["company"]  # nothing known: no line
    assert "Under each value" in " ".join(all_texts(view))
    plain = build_all_traits_view(full_profile(), OPTIONS, ref=REF, page=1)
    assert "Under each value" not in " ".join(all_texts(plain))
