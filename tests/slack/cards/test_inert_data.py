"""Data cannot format, make emoji, quote or reorder text on any card, modal or shared post.

The property test renders every surface twice from the same generated profile: once with
hostile data, once with a twin where each marker character in the data is a plain letter (the
same length, so layout and truncation are identical). Every live marker the hostile rendering
shows beyond the twin's (which are all our own) would have come from data.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.identifiers import Identifier
from bot.segment.errors import ErrorKind, ProfileApiError
from bot.segment.models import Event, EventsPage, ExternalId, LinkedAccount, Profile
from bot.slack.cards import (
    CardOptions,
    build_all_traits_view,
    build_error_message,
    build_events_message,
    build_loading_message,
    build_profile_message,
    build_profile_view,
    build_share_confirm_view,
    build_shared_message,
)
from bot.slack.cards.inert import BIDI_CONTROLS, inert
from bot.slack.cards.text import escape_identifier, escape_mrkdwn
from tests.slack.cards.profiles import FETCHED_AT, REF
from tests.support.blockkit import (
    all_texts,
    assert_valid_message,
    assert_valid_view,
    mrkdwn_texts,
)

# -- what "live" means ---------------------------------------------------------------------------

_DATE_TOKEN = re.compile(r"<!date\^\d+\^[^<>|]*\|[^<>]*>")
# An emoji shortcode: a name of letters (any script), digits, `_`, `+`, `'` or `-` in colons.
_SHORTCODE = re.compile(r"(?=(:[\w+'-]+:))")
_QUOTE_LINE = re.compile(r"^[ \t]*(?:>|&gt;)", re.MULTILINE)
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]")


def live_markers(text: str) -> Counter[str]:
    """What in one mrkdwn text Slack could treat as formatting, emoji or a quote."""
    text = _DATE_TOKEN.sub("", text)
    found: Counter[str] = Counter()
    for marker in "*~`":
        found[marker] = text.count(marker)
    found["_"] = sum(
        1
        for i, char in enumerate(text)
        if char == "_"
        and not (
            0 < i < len(text) - 1
            and _ASCII_ALNUM.match(text[i - 1])
            and _ASCII_ALNUM.match(text[i + 1])
        )
    )
    found[":emoji:"] = len(_SHORTCODE.findall(text))
    found[">quote"] = len(_QUOTE_LINE.findall(text))
    return found


def surface_markers(payload: Any) -> Counter[str]:
    total: Counter[str] = Counter()
    for text, _ in mrkdwn_texts(payload):
        total.update(live_markers(text))
    return total


def bidi_in(payload: Any) -> list[str]:
    return [text for text in all_texts(payload) if any(c in text for c in BIDI_CONTROLS)]


# -- the issue's examples ------------------------------------------------------------------------

HOSTILE_VALUES = [
    "*enterprise* ~cancelled~",
    ":rotating_light: call now",
    "_Quinn_ `x` ```rm -rf```",
    "> quoted",
    "\u202eevil\u202c \u2066x\u2069 \u200ey\u200f \u061cz",
]


def hostile_profile() -> Profile:
    traits = {f"k{i}": value for i, value in enumerate(HOSTILE_VALUES)}
    traits["*key*"] = "~v~"
    traits[":fire:"] = "x"
    return Profile(
        Identifier("email", "*vip*@example.com"),
        fetched_at=FETCHED_AT,
        traits=traits,
        audiences={"*aud*": True, ":aud:": False},
        computed_traits={"_c_": ":fire:"},
        external_ids=(ExternalId("user_id", "*u*"), ExternalId("email", "u_jane_001")),
        events=(Event("*Order* :fire:", "track", None, {"`k`": "~v~"}),),
        accounts=(LinkedAccount("*acme*", {"plan": "*ent*"}),),
    )


def every_surface(profile: Profile, options: CardOptions) -> Iterator[tuple[str, Any]]:
    yield "card", build_profile_message(profile, options, ref=REF)
    yield "modal card", build_profile_view(profile, options, ref=REF, private_metadata="m")
    yield "all traits", build_all_traits_view(profile, options, ref=REF, page=1)
    yield (
        "share preview",
        build_share_confirm_view(profile, options, ref=REF, channel_is_external=False),
    )
    yield "channel post", build_shared_message(profile, options, shared_by_user_id="U0SHARER1")
    label = profile.identifier.display()
    yield (
        "events page",
        build_events_message(
            label, EventsPage(profile.events, None), ref=REF, page_number=1, options=options
        ),
    )
    yield "loading", build_loading_message(profile.identifier)
    not_found = ProfileApiError(ErrorKind.NOT_FOUND, "not found", status=404)
    yield "not found", build_error_message(not_found, profile.identifier)


def test_the_issues_examples_are_inert_everywhere() -> None:
    profile = hostile_profile()
    options = CardOptions(
        pinned_traits=tuple((key, key) for key in profile.traits),
        shareable_traits=tuple(profile.traits),
        workspace_slug="acme",
        space_id="spa_1",
    )
    for name, payload in every_surface(profile, options):
        markers = surface_markers(payload)
        # Our own markup: bold labels and headings, date tokens, our emoji; nothing of the data.
        texts = " ".join(text for text, _ in mrkdwn_texts(payload))
        for data in ("*enterprise*", "~cancelled~", ":rotating_light:", "_Quinn_", "`x`", ":fire:"):
            assert data not in texts, (name, data)
        assert not re.search(r"(^|\n)(&gt;|>) quoted", texts), name
        assert markers["~"] == 0, (name, markers)  # no surface strikes anything through
        assert bidi_in(payload) == [], name
    card = build_profile_message(profile, options, ref=REF)
    text = " ".join(t for t, _ in mrkdwn_texts(card))
    assert "∗enterprise∗ ∼cancelled∼" in text and "∶rotating_light:" in text
    assert "u_jane_001" in text  # an underscore inside a word is left as it is


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("*enterprise* ~cancelled~", "∗enterprise∗ ∼cancelled∼"),
        (":rotating_light:", "∶rotating_light:"),
        ("x:smile", "x∶smile"),  # our "{key}: " would close it
        ("email:jane@example.com", "email:jane@example.com"),
        ("re: x", "re: x"),
        ("u_jane_001", "u_jane_001"),
        ("_Quinn_", "ˍQuinnˍ"),
        ("é_x_é", "éˍxˍé"),  # only ASCII neighbours keep an underscore
        ("> quote", "˃ quote"),
        ("a > b", "a &gt; b"),
        ("```x```", "ˋˋˋxˋˋˋ"),
        ("a\u202eb\u2066c\u2069\u200e\u200f\u061cd", "abcd"),
        ("<!channel> & co", "&lt;!channel&gt; &amp; co"),
    ],
)
def test_data_in_mrkdwn_is_neutralised(raw: str, shown: str) -> None:
    assert escape_mrkdwn(raw) == shown


# -- the property --------------------------------------------------------------------------------

_MARKERS = "*_~`:>"
_TWIN = {"*": "A", "_": "B", "~": "C", "`": "D", ":": "E"}
# Letters that can't spell a secret-looking key, a pinned name or a date, plus every marker,
# entity characters, bidi controls, a non-ASCII letter and spaces.
_ALPHABET = "xyz09é &<" + _MARKERS + "\u202e\u2066\u200f\u061c"
data_text = st.text(alphabet=_ALPHABET, max_size=24)


def twin(text: str) -> str:
    """`text` with each marker a plain letter: what renders the same minus anything live."""
    mapped = "".join(_TWIN.get(char, char) for char in text)
    stripped = mapped.lstrip()
    if stripped.startswith(">"):  # only a leading `>` could start a quote (data is one line)
        mapped = mapped[: len(mapped) - len(stripped)] + "F" + stripped[1:]
    return mapped


def _keys(prefix: str) -> st.SearchStrategy[dict[str, str]]:
    # A unique prefix per key keeps keys distinct after folding (as pinned/shareable match them).
    return st.lists(data_text, max_size=6).map(
        lambda names: {f"{prefix}{i}q{name}": f"{name}" for i, name in enumerate(names)}
    )


@st.composite
def hostile_cases(draw: Callable[..., Any]) -> tuple[Profile, CardOptions]:
    traits = {key: draw(data_text) for key in draw(_keys("k"))}
    keys = list(traits)
    pinned = draw(st.lists(st.sampled_from(keys), max_size=4, unique=True)) if keys else []
    profile = Profile(
        Identifier(draw(data_text) or "t", draw(data_text) or "v"),
        fetched_at=FETCHED_AT,
        traits=traits,
        audiences={key: draw(st.booleans()) for key in draw(_keys("a"))},
        computed_traits={key: draw(data_text) for key in draw(_keys("c"))},
        external_ids=tuple(
            ExternalId(f"t{i}q{kind}", value)
            for i, (kind, value) in enumerate(
                draw(st.lists(st.tuples(data_text, data_text), max_size=3))
            )
        ),
        events=tuple(
            Event(name, kind, stamp or None, props)
            for name, kind, stamp, props in draw(
                st.lists(st.tuples(data_text, data_text, data_text, _keys("p")), max_size=3)
            )
        ),
        accounts=tuple(
            LinkedAccount(group, account_traits)
            for group, account_traits in draw(
                st.lists(st.tuples(data_text, _keys("g")), max_size=2)
            )
        ),
    )
    options = CardOptions(
        pinned_traits=tuple((key, draw(data_text) or "L") for key in pinned),
        shareable_traits=tuple(draw(st.lists(st.sampled_from(keys), max_size=4))) if keys else (),
        workspace_slug="acme",
        space_id="spa_1",
    )
    return profile, options


def twin_case(profile: Profile, options: CardOptions) -> tuple[Profile, CardOptions]:
    def mapping(values: dict[str, Any]) -> dict[str, Any]:
        return {twin(k): twin(v) if isinstance(v, str) else v for k, v in values.items()}

    return (
        Profile(
            Identifier(twin(profile.identifier.type), twin(profile.identifier.value)),
            fetched_at=profile.fetched_at,
            traits=mapping(profile.traits),
            audiences=mapping(profile.audiences),
            computed_traits=mapping(profile.computed_traits),
            external_ids=tuple(ExternalId(twin(e.type), twin(e.id)) for e in profile.external_ids),
            events=tuple(
                Event(
                    twin(e.event),
                    twin(e.type),
                    twin(e.timestamp) if e.timestamp else None,
                    mapping(dict(e.properties)),
                )
                for e in profile.events
            ),
            accounts=tuple(
                LinkedAccount(twin(a.group_id), mapping(dict(a.traits))) for a in profile.accounts
            ),
        ),
        CardOptions(
            pinned_traits=tuple((twin(k), twin(label)) for k, label in options.pinned_traits),
            shareable_traits=tuple(twin(k) for k in options.shareable_traits),
            workspace_slug=options.workspace_slug,
            space_id=options.space_id,
        ),
    )


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(hostile_cases())
def test_no_live_marker_from_data_on_any_surface(case: tuple[Profile, CardOptions]) -> None:
    profile, options = case
    twin_profile, twin_options = twin_case(profile, options)
    hostile = dict(every_surface(profile, options))
    plain = dict(every_surface(twin_profile, twin_options))
    for name, payload in hostile.items():
        if "blocks" in payload and payload.get("type") == "modal":
            assert_valid_view(payload)
        else:
            assert_valid_message(payload, allowed_mentions={"U0SHARER1"})
        assert surface_markers(payload) == surface_markers(plain[name]), name
        assert bidi_in(payload) == [], name


@given(st.text(alphabet=_ALPHABET + "abc\n", max_size=40))
def test_inert_leaves_no_marker_mrkdwn_could_use(text: str) -> None:
    shown = inert(text)
    assert not set("*~`") & set(shown)
    assert not any(c in shown for c in BIDI_CONTROLS)
    # In any of our templates' positions: after a line start, in bold, before ": ".
    for template in ("{}", "*{}*", "{}: value", "\n{}\n", "_{}_"):
        rendered = template.format(escape_mrkdwn(text))
        own = live_markers(template.format("x"))
        assert live_markers(rendered) == own, (template, rendered)


def test_an_echoed_identifier_keeps_its_colons_but_not_its_emoji() -> None:
    assert escape_identifier("phone:+442079460958", 300) == "phone:+442079460958"
    assert escape_identifier("user_id:*vip*", 300) == "user_id:∗vip∗"
    assert escape_identifier("user_id::fire:", 300) == "user_id:∶fire:"


@given(st.text(alphabet=_ALPHABET + "abc", max_size=40))
def test_an_echoed_identifier_is_inert_where_cards_put_it(text: str) -> None:
    for template in ("*{}*", "{} · page 1", "Looking up *{}* …"):
        rendered = template.format(escape_identifier(text, 300))
        assert live_markers(rendered) == live_markers(template.format("x")), (template, rendered)
