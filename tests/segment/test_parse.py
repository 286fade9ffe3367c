"""Body decoding and shape checks, byte for byte (the HTTP versions are in test_client_faults)."""

from __future__ import annotations

import json

import pytest

from bot.segment.models import TraitSource
from bot.segment.parse import (
    MAX_DEPTH,
    ShapeError,
    decode_json,
    parse_events_page,
    parse_external_ids,
    parse_links,
    parse_metadata,
    parse_traits_page,
)


@pytest.mark.parametrize(
    "body",
    [
        b'{"traits": {"a": 1}',  # truncated
        b"\xef\xbb\xbf{}",  # BOM
        b'{"a": NaN}',
        b'{"a": Infinity}',
        b'{"a": -Infinity}',
        b'{"a": "\\ud800"}',  # lone surrogate
        b'{"\\udfff": 1}',
        b'{"a": "\xff\xfe"}',  # not UTF-8
        b'{"a": ' + b"1" * 5000 + b"}",  # over Python's int digit limit
        b"[" * 100_000 + b"]" * 100_000,  # RecursionError inside json
        b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1),  # parses, but too deep for us
        b"<html><body>502 Bad Gateway</body></html>",
        b"",
    ],
)
def test_malformed_bodies_are_refused(body: bytes) -> None:
    with pytest.raises(ShapeError):
        decode_json(body)


def test_plain_json_decodes() -> None:
    assert decode_json('{"a": [1, 2.5, "é", null, true]}'.encode()) == {
        "a": [1, 2.5, "é", None, True]
    }


@pytest.mark.parametrize(
    "doc",
    [
        [],
        {"traits": None},
        {"traits": []},
        {"traits": "x"},
        {},
        {"traits": {}, "cursor": []},
        {"traits": {}, "cursor": {"has_more": "yes"}},
        {"traits": {}, "cursor": {"has_more": True, "next": 5}},
    ],
)
def test_traits_shape_errors(doc: object) -> None:
    with pytest.raises(ShapeError):
        parse_traits_page(doc)


def test_traits_cursor() -> None:
    page = parse_traits_page({"traits": {"a": 1}, "cursor": {"has_more": True, "next": "browser"}})
    assert (dict(page.traits), page.complete, page.next_cursor) == ({"a": 1}, False, "browser")
    page = parse_traits_page({"traits": {"a": 1}, "cursor": {"has_more": False, "next": ""}})
    assert (page.complete, page.next_cursor) == (True, None)


def test_events_null_data_means_no_events() -> None:
    page = parse_events_page({"data": None, "cursor": {"has_more": False, "next": ""}})
    assert page.events == () and page.next_cursor is None


@pytest.mark.parametrize(
    "doc",
    [
        {"data": {}},
        {"data": [1]},
        {"data": [{"event": 5}]},
        {"data": [{"event": "x", "properties": []}]},
        {"data": [{"event": "x", "timestamp": 1}]},
    ],
)
def test_events_shape_errors(doc: object) -> None:
    with pytest.raises(ShapeError):
        parse_events_page(doc)


def test_external_ids_and_links_and_metadata() -> None:
    ids = parse_external_ids({"data": [{"type": "email", "id": "a@b.co", "source_id": "s"}]})
    assert ids[0].type == "email" and ids[0].id == "a@b.co"
    with pytest.raises(ShapeError):
        parse_external_ids({"data": [{"type": "email"}]})
    links = {
        "data": [
            {"to_collection": "accounts", "external_ids": [{"type": "group_id", "id": "g1"}]},
            {"external_ids": [{"type": "other", "id": "x"}, {"type": "group_id", "id": "g2"}]},
            {"external_ids": [{"type": "group_id", "id": "g1"}]},
        ]
    }
    assert parse_links(links, "group_id") == ["g1", "g2"]
    assert parse_links({"data": None}, "group_id") == []
    with pytest.raises(ShapeError):
        parse_links({"data": [{"external_ids": {}}]}, "group_id")
    meta = parse_metadata({"metadata": {"created_at": "2020"}, "segment_id": "use_1"})
    assert meta == {"created_at": "2020", "segment_id": "use_1"}
    with pytest.raises(ShapeError):
        parse_metadata({"metadata": None})


def test_depth_limit_allows_ordinary_nesting() -> None:
    nested: object = "leaf"
    for _ in range(MAX_DEPTH - 3):
        nested = {"k": nested}
    assert decode_json(json.dumps({"traits": nested}).encode())


def test_a_page_calls_top_level_name_is_kept_with_its_properties() -> None:
    page = parse_events_page(
        {
            "data": [
                {"type": "page", "name": "Pricing", "properties": {"path": "/pricing"}},
                {"type": "screen", "name": "Home", "properties": {"name": "Home screen"}},
                {"type": "track", "event": "Signed In", "name": "x", "properties": {}},
                {"type": "page", "name": 7, "properties": None},
            ]
        }
    )
    assert [dict(e.properties) for e in page.events] == [
        {"path": "/pricing", "name": "Pricing"},
        {"name": "Home screen"},
        {},
        {},
    ]


def test_verbose_traits_keep_their_source_and_update_time() -> None:
    """The documented verbose shape (profile-api.md, `?verbose=true`); the docs show only ".."
    placeholders, so anything else is read leniently rather than failing the card."""
    page = parse_traits_page(
        {
            "traits": {
                "plan": {
                    "value": "pro",
                    "source_id": "src_1",
                    "updated_at": "2026-01-02T03:04:05Z",
                },
                "nested": {"value": {"a": 1}, "source_id": "src_2"},
                "bare": 7,  # not wrapped: taken as the value, no provenance
                "odd": {"value": True, "source_id": 5, "updated_at": None},  # unusable fields
                "no_value_key": {"a": 1},
            },
            "cursor": {"has_more": False, "next": ""},
        },
        verbose=True,
    )
    assert dict(page.traits) == {
        "plan": "pro",
        "nested": {"a": 1},
        "bare": 7,
        "odd": True,
        "no_value_key": {"a": 1},
    }
    assert page.sources["plan"] == TraitSource("src_1", "2026-01-02T03:04:05Z")
    assert page.sources["nested"] == TraitSource("src_2", None)
    assert set(page.sources) == {"plan", "nested"}
    plain = parse_traits_page({"traits": {"plan": {"value": "pro"}}})
    assert plain.traits == {"plan": {"value": "pro"}} and plain.sources == {}  # not verbose
