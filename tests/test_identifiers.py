"""Identifier parsing, normalisation, refusal and encoding, including a property over any text."""

from __future__ import annotations

from urllib.parse import unquote

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.identifiers import (
    Identifier,
    IdentifierError,
    IdentifierParser,
    profile_path,
)

PARSER = IdentifierParser(["user_id", "email", "anonymous_id", "group_id", "ga_client_id"], "phone")
SPACE = "spa_test"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jane@acme.com", ("email", "jane@acme.com")),
        ("  Email:Jane@ACME.com ", ("email", "jane@acme.com")),
        ("<mailto:x@y.com|x@y.com>", ("email", "x@y.com")),
        ("email:<mailto:x@y.com|x@y.com>", ("email", "x@y.com")),
        ("mailto:x@y.com", ("email", "x@y.com")),
        ("+15555550123", ("phone", "+15555550123")),
        ("+1 555-555-0123", ("phone", "+15555550123")),
        ("phone:+44 20 7946 0958", ("phone", "+442079460958")),
        ("<tel:+15555550123|+1 555 555 0123>", ("phone", "+15555550123")),
        ("user_id:U_123", ("user_id", "u_123")),
        ("anonymous_id:5c1d2f3e-aaaa-bbbb", ("anonymous_id", "5c1d2f3e-aaaa-bbbb")),
        ("group_id:ACME-1", ("group_id", "acme-1")),
        ("account:acme-corp", ("group_id", "acme-corp")),  # the alias people type
        ("Account: Acme-Corp", ("group_id", "acme-corp")),
        ("ga_client_id:123.456", ("ga_client_id", "123.456")),
        ("user_id:auth0|123", ("user_id", "auth0|123")),
        ("a&amp;b@example.com", ("email", "a&b@example.com")),
        ("ｊａｎｅ＠ａｃｍｅ．ｃｏｍ", ("email", "jane@acme.com")),
    ],
)
def test_accepted_forms(text: str, expected: tuple[str, str]) -> None:
    ident = PARSER.parse(text)
    assert (ident.type, ident.value) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("email:", "empty"),
        ("x" * 10_000, "too_long"),
        ("user_id:" + "a" * 300, "too_long"),
        ("ssn:123", "unknown_type"),
        ("password:hunter2", "unknown_type"),
        ("segment_id:use_123", "unknown_type"),
        ("user_id:../../../v1/spaces/OTHER/collections/users/profiles/user_id:x", "bad_value"),
        ("user_id:a?limit=200&include=ssn", "bad_value"),
        ("user_id:a#x", "bad_value"),
        ("user_id:a/b", "bad_value"),
        ("user_id:..", "bad_value"),
        ("user_id:%2Fetc", "encoded"),
        ("user_id:%2e%2e", "encoded"),
        ("phone:%2B15555550123", "encoded"),
        ("ｕｓｅｒ＿ｉｄ:．．／x", "bad_value"),
        ("user_id:a\u202eb", "control_characters"),
        ("user_id:a\u200bb", "control_characters"),
        ("user_id:a\x00b", "control_characters"),
        ("user_id:a\r\nX-Injected: 1", "control_characters"),
        ("<@U123>", "markup"),
        ("<#C123>", "markup"),
        ("<https://x|y>", "markup"),
        ("<!channel>", "markup"),
        ("&lt;x&gt;", "markup"),
        ("phone:12345", "bad_phone"),
        ("phone:+1 555 CALL NOW", "bad_phone"),
        ("email:not-an-email", "bad_email"),
        # Characters mrkdwn or Slack markup give meaning to are no part of an email we accept.
        ("email:*vip*@example.com", "bad_email"),
        ("email:~x~@example.com", "bad_email"),
        ("email:a|b@example.com", "bad_email"),
        ("email:{a}@example.com", "bad_email"),
        ("*vip*@example.com", "ambiguous"),
        ("just some words", "ambiguous"),
    ],
)
def test_refused_with_a_reason(text: str, code: str) -> None:
    with pytest.raises(IdentifierError) as info:
        PARSER.parse(text)
    assert info.value.code == code
    assert info.value.reason


def test_unknown_type_lists_the_allowed_types() -> None:
    with pytest.raises(IdentifierError) as info:
        PARSER.parse("ssn:123")
    for allowed in ("email", "user_id", "anonymous_id", "phone"):
        assert allowed in info.value.reason


def test_custom_phone_type() -> None:
    parser = IdentifierParser(["user_id", "email"], phone_type="phone_number")
    assert parser.parse("+15555550123") == Identifier("phone_number", "+15555550123")
    assert parser.parse("phone_number:+15555550123").type == "phone_number"
    with pytest.raises(IdentifierError):
        parser.parse("phone:+15555550123")


@pytest.mark.parametrize(
    ("ident", "segment"),
    [
        (Identifier("phone", "+15555550123"), "phone:%2B15555550123"),
        (Identifier("email", "jane@acme.com"), "email:jane%40acme.com"),
        (Identifier("user_id", "a:b c/d?e#f%g"), "user_id:a%3Ab%20c%2Fd%3Fe%23f%25g"),
    ],
)
def test_value_is_encoded_as_one_segment_and_separator_stays(
    ident: Identifier, segment: str
) -> None:
    assert ident.path_segment == segment


def test_accounts_use_their_collection() -> None:
    path = profile_path(SPACE, Identifier("group_id", "acme"), "links")
    assert path == f"/v1/spaces/{SPACE}/collections/accounts/profiles/group_id:acme/links"


def test_find_all_in_a_message() -> None:
    text = (
        "Hi, my email is <mailto:x@y.com|x@y.com> and call me on +1 555 555 0123, or use "
        "user_id:abc. My colleague is bob@example.org — see <https://evil.example|click> <@U999>"
    )
    assert PARSER.find_all(text) == [
        Identifier("email", "x@y.com"),
        Identifier("phone", "+15555550123"),
        Identifier("user_id", "abc"),
        Identifier("email", "bob@example.org"),
    ]
    assert PARSER.find_all("nothing to see here") == []
    assert PARSER.find_all("renewal call with Account:Acme-Corp, then group_id:globex") == [
        Identifier("group_id", "acme-corp"),
        Identifier("group_id", "globex"),
    ]


@settings(max_examples=600, deadline=None)
@given(st.text(max_size=300) | st.from_regex(r"(user_id|email|phone|anonymous_id):.{0,40}"))
def test_any_text_is_refused_or_yields_exactly_one_segment(text: str) -> None:
    try:
        ident = PARSER.parse(text)
    except IdentifierError as error:
        assert error.reason
        return
    if ident.type == "email":
        assert not set("*|~{}`<>") & set(ident.value), ident.value
    client = httpx.Client(base_url="https://profiles.segment.com/")
    for route in ("traits", "events", "external_ids", "links", "metadata"):
        request = client.build_request("GET", profile_path(SPACE, ident, route))
        assert request.url.host == "profiles.segment.com"
        assert request.url.query == b""
        assert request.url.fragment == ""
        parts = request.url.raw_path.decode("ascii").split("/")
        assert parts[:6] == ["", "v1", "spaces", SPACE, "collections", ident.collection]
        assert parts[6] == "profiles"
        assert len(parts) == 9 and parts[8] == route
        id_type, _, encoded = parts[7].partition(":")
        assert id_type == ident.type
        assert unquote(encoded) == ident.value
    client.close()


def test_capitals_are_remembered_for_a_second_try_exactly_as_typed() -> None:
    ident = PARSER.parse("user_id:c0HN02fNe1")
    assert (ident.value, ident.typed, ident.exact) == ("c0hn02fne1", "c0HN02fNe1", False)
    assert ident == Identifier("user_id", "c0hn02fne1")  # the typed form is not its identity
    exact = ident.exact_form()
    assert exact is not None and exact.exact
    assert exact.display() == "user_id:c0HN02fNe1" and exact.exact_form() is None
    assert exact != Identifier("user_id", "c0HN02fNe1")  # never mistaken for a lowercase form
    assert PARSER.parse("user_id:u_123").exact_form() is None  # nothing else to try
    assert PARSER.parse("+1 555-555-0123").exact_form() is None
    assert PARSER.parse("Jane@ACME.com").as_entered() == "Jane@ACME.com"
