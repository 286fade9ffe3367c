"""Property tests: any traits and events give cards within limits and free of live markup."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.identifiers import Identifier
from bot.segment.errors import ErrorKind
from bot.segment.models import (
    Event,
    EventsPage,
    ExternalId,
    LinkedAccount,
    Profile,
    SectionError,
)
from bot.slack.cards import (
    CardOptions,
    build_all_traits_view,
    build_events_message,
    build_profile_message,
    build_profile_view,
    build_share_confirm_view,
    build_shared_message,
    page_count,
)
from tests.slack.cards.profiles import HOSTILE
from tests.support.blockkit import assert_valid_message, assert_valid_view

SHARER = "U0SHARER1"
PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

_SPECIAL = [*HOSTILE, "\ud800lone", "nul\x00byte", "😀" * 3, "\u202eevil", "a|b", "&amp;", ""]
_short_text = st.text(max_size=12) | st.sampled_from(_SPECIAL)
_huge_text = st.builds(
    lambda s, n: s * n, st.sampled_from(["x", "<", "&", "😀", "é>"]), st.integers(500, 30_000)
)
texts = _short_text | _huge_text | st.text(max_size=200)
keys = texts
_iso = st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)
).map(lambda d: d.isoformat())
_numbers = (
    st.integers()
    | st.builds(lambda e, sign: sign * 10**e, st.integers(0, 6000), st.sampled_from([1, -1]))
    | st.floats(allow_nan=True, allow_infinity=True)
)
_scalars = st.none() | st.booleans() | _numbers | texts | _iso
json_values = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=8) | st.dictionaries(keys, children, max_size=8),
    max_leaves=12,
)
traits = st.dictionaries(keys, json_values, max_size=25)
timestamps = st.none() | _iso | texts
events = st.builds(
    Event,
    event=texts,
    type=_short_text,
    timestamp=timestamps,
    properties=st.dictionaries(keys, json_values, max_size=5),
    message_id=st.none() | _short_text,
)
section_errors = st.builds(
    SectionError,
    kind=st.sampled_from(list(ErrorKind)),
    message=_short_text,
    request_id=st.none() | texts,
)
accounts = st.builds(
    LinkedAccount,
    group_id=texts,
    traits=st.dictionaries(keys, json_values, max_size=4),
    error=st.none() | section_errors,
)
section_names = (
    st.sampled_from(
        ["traits", "audiences", "computed_traits", "external_ids", "events", "accounts", "metadata"]
    )
    | _short_text
)
profiles = st.builds(
    Profile,
    identifier=st.builds(Identifier, type=_short_text, value=texts),
    fetched_at=st.floats(0, 4_000_000_000),
    traits=traits,
    traits_complete=st.booleans(),
    audiences=st.dictionaries(keys, st.booleans() | json_values, max_size=10),
    computed_traits=st.dictionaries(keys, json_values, max_size=6),
    external_ids=st.lists(st.builds(ExternalId, type=_short_text, id=texts), max_size=12).map(
        tuple
    ),
    events=st.lists(events, max_size=11).map(tuple),
    events_cursor=st.none() | st.just("next-cursor"),
    accounts=st.lists(accounts, max_size=6).map(tuple),
    errors=st.dictionaries(section_names, section_errors, max_size=3),
)


@st.composite
def options_for(draw, profile: Profile) -> CardOptions:
    present = list(profile.traits)
    pinned = draw(st.lists(st.sampled_from(present), max_size=12)) if present else []
    labels = draw(st.lists(texts, min_size=len(pinned), max_size=len(pinned)))
    shareable = draw(st.lists(st.sampled_from(present), max_size=12)) if present else []
    return CardOptions(
        pinned_traits=tuple((k, label or "x") for k, label in zip(pinned, labels, strict=True)),
        shareable_traits=(*shareable, "name"),
        sharing_enabled=draw(st.booleans()),
        workspace_slug=draw(st.none() | texts),
        space_id=draw(st.sampled_from(["spa_1", ""])),
    )


@st.composite
def profile_and_options(draw):
    profile = draw(profiles)
    return profile, draw(options_for(profile))


# One generated profile feeds every profile surface: generating the data costs far more than
# building and checking the cards, so this covers more cases per second than separate tests.
@PROPERTY_SETTINGS
@given(profile_and_options())
def test_every_profile_surface(case):
    profile, options = case
    assert_valid_message(build_profile_message(profile, options, ref="ref1"))
    assert_valid_view(build_profile_view(profile, options, ref="ref1", private_metadata="m"))
    for page in range(1, page_count(profile, options) + 1):
        assert_valid_view(build_all_traits_view(profile, options, ref="ref1", page=page))
    shared = build_shared_message(profile, options, shared_by_user_id=SHARER)
    assert_valid_message(shared, allowed_mentions={SHARER})
    assert all(block["type"] != "actions" for block in shared["blocks"])
    for external in (False, True):
        view = build_share_confirm_view(profile, options, ref="ref1", channel_is_external=external)
        assert_valid_view(view)


@PROPERTY_SETTINGS
@given(st.lists(events, max_size=45), st.none() | st.just("c"), texts)
def test_events_message(page_events, cursor, label):
    page = EventsPage(tuple(page_events), cursor)
    assert_valid_message(build_events_message(label, page, ref="ref1", page_number=2))
