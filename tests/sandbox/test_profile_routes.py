"""Documented routes, parameters and shapes of the Profile API sandbox, over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.sandbox.conftest import ACCOUNTS, JANE, SPACE, USERS

PRIYA = "email:priya.raman%40example.com"
LIAM = "email:liam.obrien%40example.com"


def get(client: httpx.Client, path: str, **params: str) -> dict:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def test_traits_default_page_is_ten_sorted_with_cursor(client: httpx.Client) -> None:
    body = get(client, f"{USERS}/{JANE}/traits")
    assert len(body["traits"]) == 10
    assert list(body["traits"]) == sorted(body["traits"])
    cursor = body["cursor"]
    assert cursor["has_more"] is True and cursor["next"] and cursor["limit"] == 10
    assert cursor["url"].startswith(f"/v1/spaces/{SPACE}/collections/users/profiles/use_")
    assert cursor["url"].endswith("/traits")


def test_plain_traits_include_audiences_and_computed_traits(client: httpx.Client) -> None:
    traits = get(client, f"{USERS}/{JANE}/traits", limit="200")["traits"]
    assert traits["email"] == "jane@example.com"
    assert traits["high_value_user"] is True and traits["trial_expiring"] is False
    assert traits["lifetime_value"] == 1249.5
    # last_order_at is stored relative to now, so it is always recent.
    last_order = datetime.fromisoformat(traits["last_order_at"])
    assert timedelta(days=1) < datetime.now(UTC) - last_order < timedelta(days=3)


def test_class_audience_and_computed_trait(client: httpx.Client) -> None:
    audiences = get(client, f"{USERS}/{JANE}/traits", **{"class": "audience"})["traits"]
    assert audiences == {
        "active_last_7_days": True,
        "high_value_user": True,
        "trial_expiring": False,
    }
    computed = get(client, f"{USERS}/{JANE}/traits", **{"class": "computed_trait"})["traits"]
    assert set(computed) == {
        "avg_order_value",
        "favorite_category",
        "last_order_at",
        "lifetime_value",
        "orders_count",
    }


def test_unknown_class_is_a_validation_error(client: httpx.Client) -> None:
    # The docs' prose has a zero-width space after `audience`; copying it must not pass silently.
    response = client.get(f"{USERS}/{JANE}/traits", params={"class": "audience\u200b"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_include_filters_keys(client: httpx.Client) -> None:
    body = get(client, f"{USERS}/{JANE}/traits", include="first_name,city,nope,high_value_user")
    assert body["traits"] == {"city": "Portland", "first_name": "Jane", "high_value_user": True}
    assert body["cursor"]["has_more"] is False and body["cursor"]["next"] == ""


def test_verbose_wraps_values(client: httpx.Client) -> None:
    traits = get(client, f"{USERS}/{JANE}/traits", include="first_name", verbose="true")["traits"]
    wrapped = traits["first_name"]
    assert wrapped["value"] == "Jane"
    assert wrapped["source_id"] == "src_Hk7Pz1Rb5M"  # her first identifier's source
    assert datetime.fromisoformat(wrapped["updated_at"]) < datetime.now(UTC)
    plan = get(client, f"{USERS}/{JANE}/traits", include="plan", verbose="true")["traits"]["plan"]
    assert plan["source_id"] == "src_Crm4Sf9Lq2"  # set by another source (trait_sources)
    assert set(plan) == {"value", "source_id", "updated_at"}  # the documented keys only


def test_class_filtering_works_for_every_customer(client: httpx.Client) -> None:
    """Issue 10 §1 relies on class= for every profile: each answer lists keys that are also
    plain traits, the two classes never overlap, and Jane and Carlos really differ."""
    seen = {}
    customers = (JANE, "phone:%2B15555550123", LIAM, "email:tom.becker%40example.org")
    for ident in (*customers, "email:mallory%40example.net", "email:aisha.khan%40example.com"):
        plain = get(client, f"{USERS}/{ident}/traits", limit="200")["traits"]
        classes = [
            set(get(client, f"{USERS}/{ident}/traits", limit="200", **{"class": k})["traits"])
            for k in ("audience", "computed_trait")
        ]
        assert not classes[0] & classes[1]
        assert classes[0] | classes[1] <= set(plain)
        seen[ident] = classes
    jane, carlos = seen[JANE], seen["phone:%2B15555550123"]
    assert jane[0] - carlos[0] and carlos[0] - jane[0]  # audiences each other lacks
    assert jane[1] - carlos[1]  # computed traits Carlos lacks


def test_mixed_case_user_id_is_found_only_as_stored(client: httpx.Client) -> None:
    """Segment matches ids exactly; Tom's user_id is mixed case, like Segment's c0HN02fNe1."""
    assert get(client, f"{USERS}/user_id:c0HN02fNe1/traits")["traits"]
    response = client.get(f"{USERS}/user_id:c0hn02fne1/traits")
    assert response.status_code == 404


def test_traits_paging_with_limit_200_takes_two_pages(client: httpx.Client) -> None:
    first = get(client, f"{USERS}/{PRIYA}/traits", limit="200")
    assert len(first["traits"]) == 200 and first["cursor"]["has_more"] is True
    second = get(client, f"{USERS}/{PRIYA}/traits", limit="200", next=first["cursor"]["next"])
    assert second["cursor"]["has_more"] is False and second["cursor"]["next"] == ""
    keys = list(first["traits"]) + list(second["traits"])
    assert len(keys) == len(set(keys)) >= 340
    assert keys == sorted(keys)


def test_limit_is_capped_and_validated(client: httpx.Client) -> None:
    body = get(client, f"{USERS}/{PRIYA}/traits", limit="1000")
    assert len(body["traits"]) == 200 and body["cursor"]["limit"] == 200
    events = get(client, f"{USERS}/{LIAM}/events", limit="500")
    assert len(events["data"]) == 100
    for bad in ("0", "-3", "ten"):
        response = client.get(f"{USERS}/{JANE}/traits", params={"limit": bad})
        assert response.status_code == 400, bad


def test_bad_cursor_is_rejected(client: httpx.Client) -> None:
    for bad in ("not-a-cursor", "%%%", get(client, f"{USERS}/{LIAM}/events")["cursor"]["next"]):
        # An events cursor is not a traits cursor either.
        response = client.get(f"{USERS}/{JANE}/traits", params={"next": bad})
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_request_error"


def test_events_newest_first_with_relative_timestamps(client: httpx.Client) -> None:
    body = get(client, f"{USERS}/{JANE}/events")
    events = body["data"]
    assert len(events) == 10 and body["cursor"]["has_more"] is True
    stamps = [datetime.fromisoformat(e["timestamp"]) for e in events]
    assert stamps == sorted(stamps, reverse=True)
    assert datetime.now(UTC) - stamps[0] < timedelta(hours=1)
    first = events[0]
    assert first["type"] == "track" and first["event"] and isinstance(first["properties"], dict)
    assert first["message_id"].startswith("ajs-") and first["source_id"]
    assert first["related"]["users"].startswith("use_")
    assert {"collection": "users", "type": "user_id", "id": "u_jane_001", "encoding": "none"} in (
        first["external_ids"]
    )


def test_events_sort_asc_and_window(client: httpx.Client) -> None:
    asc = get(client, f"{USERS}/{JANE}/events", sort="asc", limit="100")["data"]
    desc = get(client, f"{USERS}/{JANE}/events", limit="100")["data"]
    assert [e["message_id"] for e in asc] == [e["message_id"] for e in reversed(desc)]
    assert len(desc) == 20
    now = datetime.now(UTC)
    start = (now - timedelta(days=3)).isoformat()
    end = (now - timedelta(days=1)).isoformat()
    window = get(client, f"{USERS}/{JANE}/events", start=start, end=end, limit="100")["data"]
    assert window
    for event in window:
        assert start <= event["timestamp"].replace("Z", "+00:00") < end
    assert len(window) < len(desc)
    assert client.get(f"{USERS}/{JANE}/events", params={"sort": "up"}).status_code == 400
    assert client.get(f"{USERS}/{JANE}/events", params={"start": "yesterday"}).status_code == 400


def test_events_include_and_exclude_names(client: httpx.Client) -> None:
    only = get(client, f"{USERS}/{JANE}/events", include="Signed In", limit="100")["data"]
    assert only and {e["event"] for e in only} == {"Signed In"}
    rest = get(client, f"{USERS}/{JANE}/events", exclude="Signed In,Page Viewed", limit="100")
    names = {e["event"] for e in rest["data"]}
    assert "Signed In" not in names and "Page Viewed" not in names and names


def test_events_paging_walks_every_event_once(client: httpx.Client) -> None:
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": "25"} | ({"next": cursor} if cursor else {})
        body = get(client, f"{USERS}/{LIAM}/events", **params)
        seen.extend(e["message_id"] for e in body["data"])
        pages += 1
        if not body["cursor"]["has_more"]:
            break
        cursor = body["cursor"]["next"]
    assert pages == 5 and len(seen) == len(set(seen)) == 120


def test_customer_without_events_gets_empty_list(client: httpx.Client) -> None:
    body = get(client, f"{USERS}/email:tom.becker%40example.org/events")
    assert body["data"] == [] and body["cursor"]["has_more"] is False


def test_external_ids_shape_include_and_limit(client: httpx.Client) -> None:
    rows = get(client, f"{USERS}/{JANE}/external_ids")["data"]
    assert {r["type"] for r in rows} >= {"user_id", "email", "anonymous_id"}
    for row in rows:
        assert set(row) == {"source_id", "collection", "id", "type", "created_at", "encoding"}
        assert row["collection"] == "users" and row["encoding"] == "none"
    emails = get(client, f"{USERS}/{JANE}/external_ids", include="email")["data"]
    assert [r["id"] for r in emails] == ["jane@example.com"]
    page = get(client, f"{USERS}/{JANE}/external_ids", limit="2")
    assert len(page["data"]) == 2 and page["cursor"]["has_more"] is True
    rest = get(client, f"{USERS}/{JANE}/external_ids", limit="2", next=page["cursor"]["next"])
    assert len(rest["data"]) == len(rows) - 2


def test_user_links_to_accounts(client: httpx.Client) -> None:
    body = get(client, f"{USERS}/{JANE}/links")
    assert "cursor" not in body
    assert body["data"] == [
        {
            "to_collection": "accounts",
            "external_ids": [
                {
                    "id": "acme-corp",
                    "type": "group_id",
                    "source_id": body["data"][0]["external_ids"][0]["source_id"],
                    "collection": "accounts",
                    "created_at": body["data"][0]["external_ids"][0]["created_at"],
                    "encoding": "none",
                }
            ],
        }
    ]
    assert get(client, f"{USERS}/email:tom.becker%40example.org/links")["data"] == []


def test_customer_with_two_accounts_one_missing(client: httpx.Client) -> None:
    links = get(client, f"{USERS}/email:aisha.khan%40example.com/links")["data"]
    group_ids = [link["external_ids"][0]["id"] for link in links]
    assert group_ids == ["initech", "umbrella-labs"]
    assert client.get(f"{ACCOUNTS}/group_id:initech/traits").status_code == 200
    missing = client.get(f"{ACCOUNTS}/group_id:umbrella-labs/traits")
    assert missing.status_code == 404
    assert missing.json() == {"error": {"code": "not_found", "message": "Profile was not found."}}


def test_account_traits_and_links(client: httpx.Client) -> None:
    traits = get(client, f"{ACCOUNTS}/group_id:acme-corp/traits", limit="200")["traits"]
    assert traits["name"] == "Acme Corp"
    assert {"plan", "industry", "employees", "mrr"} <= set(traits)
    users = get(client, f"{ACCOUNTS}/group_id:acme-corp/links")["data"]
    assert users[0]["to_collection"] == "users"
    assert {"type": "user_id", "id": "u_jane_001"}.items() <= users[0]["external_ids"][0].items()
    # Segment documents only traits and links for accounts.
    assert client.get(f"{ACCOUNTS}/group_id:acme-corp/events").status_code == 404
    # A user id is not an account.
    assert client.get(f"{ACCOUNTS}/user_id:u_jane_001/traits").status_code == 404


def test_metadata(client: httpx.Client) -> None:
    meta = get(client, f"{USERS}/{JANE}/metadata")["metadata"]
    assert meta["created_at"] == "2022-08-15T14:03:22.410Z"
    assert meta["expires_at"] is None
    assert datetime.now(UTC) - datetime.fromisoformat(meta["updated_at"]) < timedelta(hours=1)
    assert meta["first_message_id"].startswith("ajs-") and meta["last_source_id"]


@pytest.mark.parametrize(
    "identifier", ["user_id:u_jane_001", "anonymous_id:5c1d8a0e-3b7f-4e2a-9d61-0f4b8c2e7a91"]
)
def test_same_profile_by_other_identifiers(client: httpx.Client, identifier: str) -> None:
    body = get(client, f"{USERS}/{identifier}/traits", include="email")
    assert body["traits"] == {"email": "jane@example.com"}
