"""Every documented route and parameter, over real HTTP into the Profile API sandbox."""

from __future__ import annotations

import base64
from collections.abc import Callable

import httpx
import pytest

from bot.sandbox.profile_api import ProfileApiSandbox
from bot.segment.client import ProfileApiClient
from bot.segment.errors import ErrorKind, ProfileApiError
from tests.segment.conftest import ACME, CARLOS, JANE, LIAM, NOBODY, PRIYA, deadline_in

ClientFactory = Callable[..., ProfileApiClient]
USERS = "/v1/spaces/spa_sandbox/collections/users/profiles"


def last(sandbox: ProfileApiSandbox):
    return sandbox.requests()[-1]


def test_traits_one_page_with_basic_auth_and_empty_password(
    sandbox: ProfileApiSandbox, make_client: ClientFactory
) -> None:
    seen: list[httpx.Request] = []
    client = make_client(event_hooks={"request": [seen.append]})
    page = client.traits(JANE, deadline=deadline_in(5))
    assert page.traits["first_name"] == "Jane"
    assert page.complete and page.next_cursor is None
    request = last(sandbox)
    assert request.path == f"{USERS}/email:jane%40example.com/traits"
    assert request.query == {"limit": "200"}
    assert request.authorized
    expected = base64.b64encode(f"{sandbox.token}:".encode()).decode()
    assert seen[0].headers["authorization"] == f"Basic {expected}"
    assert client.request_count == 1


def test_traits_parameters(sandbox: ProfileApiSandbox, make_client: ClientFactory) -> None:
    client = make_client()
    page = client.traits(JANE, deadline=deadline_in(5), include=["first_name", "city"], limit=5)
    assert dict(page.traits) == {"first_name": "Jane", "city": "Portland"}
    assert last(sandbox).query == {"limit": "5", "include": "first_name,city"}

    page = client.traits(JANE, deadline=deadline_in(5), limit=999)
    assert last(sandbox).query["limit"] == "200"  # clamped to the documented maximum

    audiences = client.traits(JANE, deadline=deadline_in(5), trait_class="audience")
    assert set(audiences.traits) == {"high_value_user", "trial_expiring", "active_last_7_days"}
    assert last(sandbox).query["class"] == "audience"
    computed = client.traits(JANE, deadline=deadline_in(5), trait_class="computed_trait")
    assert "lifetime_value" in computed.traits
    assert last(sandbox).query["class"] == "computed_trait"

    verbose = client.traits(JANE, deadline=deadline_in(5), include=["city", "plan"], verbose=True)
    assert dict(verbose.traits) == {"city": "Portland", "plan": "enterprise"}  # values unwrapped
    assert last(sandbox).query["verbose"] == "true"
    # Where each value came from: Jane's plan is set by another source than her city.
    assert verbose.sources["plan"].source_id == "src_Crm4Sf9Lq2"
    assert verbose.sources["city"].source_id == "src_Hk7Pz1Rb5M"
    assert (verbose.sources["city"].updated_at or "").endswith("Z")

    with pytest.raises(ValueError):
        client.traits(JANE, deadline=deadline_in(5), trait_class="segment")


def test_include_of_nothing_sends_nothing(
    sandbox: ProfileApiSandbox, make_client: ClientFactory
) -> None:
    client = make_client()
    page = client.traits(JANE, deadline=deadline_in(5), include=[])
    assert dict(page.traits) == {} and page.complete
    assert sandbox.request_count() == 0


def test_trait_paging_follows_next_cursor(
    sandbox: ProfileApiSandbox, make_client: ClientFactory
) -> None:
    client = make_client()
    first = client.traits(PRIYA, deadline=deadline_in(5))
    assert len(first.traits) == 200 and not first.complete and first.next_cursor
    second = client.traits(PRIYA, deadline=deadline_in(5), cursor=first.next_cursor)
    assert last(sandbox).query == {"limit": "200", "next": first.next_cursor}
    assert not set(first.traits) & set(second.traits)
    assert second.complete


def test_all_traits_pages_up_to_the_cap(
    sandbox: ProfileApiSandbox, make_client: ClientFactory
) -> None:
    client = make_client()
    everything = client.all_traits(PRIYA, deadline=deadline_in(5), max_pages=5)
    assert len(everything.traits) > 350 and everything.complete  # 350 plain + audiences…
    assert sandbox.request_count("traits") == 2
    sandbox.clear_requests()
    capped = client.all_traits(PRIYA, deadline=deadline_in(5), max_pages=1)
    assert len(capped.traits) == 200
    assert not capped.complete and capped.next_cursor
    assert sandbox.request_count("traits") == 1


def test_events_parameters_and_paging(
    sandbox: ProfileApiSandbox, make_client: ClientFactory
) -> None:
    client = make_client()
    page = client.events(LIAM, deadline=deadline_in(5), limit=7)
    assert len(page.events) == 7 and page.next_cursor
    assert last(sandbox).query == {"limit": "7", "sort": "desc"}
    stamps = [e.timestamp for e in page.events]
    assert stamps == sorted(stamps, reverse=True)  # newest first
    following = client.events(LIAM, deadline=deadline_in(5), limit=7, cursor=page.next_cursor)
    assert last(sandbox).query["next"] == page.next_cursor
    assert following.events[0].timestamp <= page.events[-1].timestamp

    ascending = client.events(LIAM, deadline=deadline_in(5), limit=3, sort="asc")
    assert [e.timestamp for e in ascending.events] == sorted(e.timestamp for e in ascending.events)

    window_start, window_end = page.events[-1].timestamp, page.events[0].timestamp
    assert window_start and window_end
    windowed = client.events(
        LIAM, deadline=deadline_in(5), limit=100, start=window_start, end=window_end
    )
    assert last(sandbox).query["start"] == window_start
    assert last(sandbox).query["end"] == window_end
    assert all(window_start <= (e.timestamp or "") < window_end for e in windowed.events)
    with pytest.raises(ValueError):
        client.events(LIAM, deadline=deadline_in(5), sort="sideways")


def test_external_ids_links_metadata(
    sandbox: ProfileApiSandbox, make_client: ClientFactory
) -> None:
    client = make_client()
    ids = client.external_ids(JANE, deadline=deadline_in(5))
    assert {(i.type, i.id) for i in ids} >= {
        ("email", "jane@example.com"),
        ("user_id", "u_jane_001"),
    }
    assert last(sandbox).query == {"limit": "25"}
    assert client.links(JANE, deadline=deadline_in(5)) == ["acme-corp"]
    assert last(sandbox).query == {"limit": "20"}
    assert client.links(CARLOS, deadline=deadline_in(5)) == []
    meta = client.metadata(JANE, deadline=deadline_in(5))
    assert meta["created_at"]
    assert last(sandbox).route == "metadata"


def test_accounts_collection(sandbox: ProfileApiSandbox, make_client: ClientFactory) -> None:
    client = make_client()
    page = client.traits(ACME, deadline=deadline_in(5), include=["name", "plan"])
    assert dict(page.traits) == {"name": "Acme Corp", "plan": "enterprise"}
    request = last(sandbox)
    assert (
        request.path
        == "/v1/spaces/spa_sandbox/collections/accounts/profiles/group_id:acme-corp/traits"
    )
    assert request.collection == "accounts"
    users = client.links(ACME, deadline=deadline_in(5))  # account → users: their user_ids
    assert "u_jane_001" in users


def test_phone_plus_is_sent_encoded(sandbox: ProfileApiSandbox, make_client: ClientFactory) -> None:
    client = make_client()
    page = client.traits(CARLOS, deadline=deadline_in(5))
    assert page.traits
    assert last(sandbox).segment == "phone:%2B15555550123"


def test_not_found(sandbox: ProfileApiSandbox, make_client: ClientFactory) -> None:
    client = make_client()
    with pytest.raises(ProfileApiError) as caught:
        client.traits(NOBODY, deadline=deadline_in(5))
    assert caught.value.kind is ErrorKind.NOT_FOUND
    assert caught.value.status == 404
    assert caught.value.request_id  # the sandbox sends a Request-Id like Segment does
    assert caught.value.request_id in str(caught.value)
    assert sandbox.request_count() == 1  # never retried
