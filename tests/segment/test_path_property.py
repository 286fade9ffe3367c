"""For any text: the parser refuses it, or the client sends exactly one profile path segment."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from urllib.parse import quote, unquote

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from bot.identifiers import IdentifierError, IdentifierParser
from bot.sandbox.profile_api import ProfileApiSandbox
from bot.segment.client import ProfileApiClient
from bot.segment.errors import ProfileApiError
from tests.segment.conftest import SPACE, TOKEN, deadline_in

PARSER = IdentifierParser(("user_id", "email", "anonymous_id", "group_id"), phone_type="phone")
ROUTES = ("traits", "events", "external_ids", "links", "metadata")

# Hostile fragments the generated text is built from, besides arbitrary Unicode.
PIECES = st.sampled_from(
    [
        "user_id:",
        "email:",
        "phone:",
        "group_id:",
        "anonymous_id:",
        "../",
        "..",
        "%2F",
        "%2e",
        "/",
        "?",
        "#",
        "&",
        "=",
        "+",
        "@",
        " ",
        "\r\n",
        "\x00",
        "\u202e",
        "\u200b",
        "ｕ",
        "．",
        "／",
        "<mailto:",
        "|",
        ">",
        "&amp;",
        "a",
        "jane",
        "example.com",
        "+15555550123",
        ":",
    ]
)
# Characters the parser accepts in an opaque id: the generated values then mostly get sent.
VISIBLE = st.characters(
    codec="utf-8",
    exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"),
    exclude_characters='/?#%\\<>"`&',
)
LIKELY_VALID = st.tuples(
    st.sampled_from(["user_id:", "anonymous_id:", "group_id:", "email:"]),
    st.text(alphabet=VISIBLE, min_size=1, max_size=30),
).map("".join)
HOSTILE = st.one_of(
    st.text(max_size=60),
    st.lists(PIECES, max_size=8).map("".join),
    st.tuples(st.sampled_from(["user_id:", "email:", "group_id:", ""]), st.text(max_size=40)).map(
        "".join
    ),
)
TEXT = st.one_of(LIKELY_VALID, st.emails(), HOSTILE)


@pytest.fixture(scope="module")
def wire() -> Iterator[tuple[ProfileApiSandbox, ProfileApiClient]]:
    with ProfileApiSandbox(token=TOKEN, space_id=SPACE, rate_limit_rps=None) as sandbox:
        client = ProfileApiClient(
            base_url=sandbox.base_url, space_id=SPACE, token=TOKEN, max_retries=0
        )
        yield sandbox, client
        client.close()


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=TEXT, route_index=st.integers(min_value=0, max_value=len(ROUTES) - 1))
@example(
    text="user_id:../../../v1/spaces/OTHER/collections/users/profiles/user_id:x", route_index=0
)
@example(text="user_id:a?limit=200&include=ssn", route_index=0)
@example(text="email:jane@example.com", route_index=1)
@example(text="+44 20 7946 0958", route_index=0)
@example(text="user_id:ünïcödé", route_index=0)
def test_request_path_is_exactly_one_segment(
    wire: tuple[ProfileApiSandbox, ProfileApiClient], text: str, route_index: int
) -> None:
    sandbox, client = wire
    try:
        ident = PARSER.parse(text)
    except IdentifierError:
        event("refused by the parser")
        return  # refused before any request
    event("sent")
    route = ROUTES[route_index]
    sandbox.clear_requests()
    call = {
        "traits": lambda: client.traits(ident, deadline=deadline_in(2)),
        "events": lambda: client.events(ident, deadline=deadline_in(2)),
        "external_ids": lambda: client.external_ids(ident, deadline=deadline_in(2)),
        "links": lambda: client.links(ident, deadline=deadline_in(2)),
        "metadata": lambda: client.metadata(ident, deadline=deadline_in(2)),
    }[route]
    with contextlib.suppress(ProfileApiError):  # 404s are fine: what matters is what was sent
        call()
    (request,) = sandbox.requests()
    parts = request.path.split("/")
    assert parts[:5] == ["", "v1", "spaces", SPACE, "collections"]
    assert parts[5] == ident.collection and parts[6] == "profiles"
    assert len(parts) == 9 and parts[8] == route
    segment = parts[7]
    assert segment == request.segment
    assert segment == f"{ident.type}:{quote(ident.value, safe='')}"
    assert unquote(segment) == f"{ident.type}:{ident.value}"
    assert not any(ch in segment for ch in "/?# \r\n\x00")
    assert set(request.query) <= {"limit", "sort", "next", "include", "class", "verbose"}
