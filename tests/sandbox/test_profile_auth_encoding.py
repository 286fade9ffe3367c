"""Auth, errors, identifier encoding and connection handling of the Profile API sandbox."""

from __future__ import annotations

import base64
import json
import re
import socket
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from bot.identifiers import Identifier, profile_path
from bot.sandbox import ProfileApiSandbox
from tests.sandbox.conftest import JANE, SPACE, USERS, new_client

NOT_FOUND = {"error": {"code": "not_found", "message": "Profile was not found."}}


def test_request_id_header_on_every_answer(
    sandbox: ProfileApiSandbox, client: httpx.Client
) -> None:
    ids = set()
    for path in (f"{USERS}/{JANE}/traits", f"{USERS}/email:nobody%40example.com/traits", "nowhere"):
        response = client.get(path)
        assert re.fullmatch(r"[0-9a-f]{4}(-[0-9a-f]{4}){3}", response.headers["request-id"])
        ids.add(response.headers["request-id"])
    assert len(ids) == 3


@pytest.mark.parametrize(
    "auth",
    [
        None,
        ("wrong-token", ""),
        ("sandbox-token", "None"),  # requests' auth=(token, None) sends "token:None"
        ("sandbox-token", "x"),
    ],
)
def test_bad_credentials_get_401(
    sandbox: ProfileApiSandbox, auth: tuple[str, str] | None, anon: httpx.Client
) -> None:
    response = anon.get(f"{sandbox.base_url}{USERS}/{JANE}/traits", auth=auth)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_error"
    assert sandbox.requests()[-1].authorized is False


@pytest.mark.parametrize("header", ["Bearer sandbox-token", "Basic !!notbase64", "Basic"])
def test_malformed_authorization_gets_401(
    sandbox: ProfileApiSandbox, header: str, anon: httpx.Client
) -> None:
    response = anon.get(
        f"{sandbox.base_url}{USERS}/{JANE}/traits", headers={"Authorization": header}
    )
    assert response.status_code == 401


def test_token_without_password_header_form(sandbox: ProfileApiSandbox, anon: httpx.Client) -> None:
    encoded = base64.b64encode(b"sandbox-token:").decode()
    response = anon.get(
        f"{sandbox.base_url}{USERS}/{JANE}/traits", headers={"Authorization": f"Basic {encoded}"}
    )
    assert response.status_code == 200
    assert sandbox.requests()[-1].authorized is True


def test_other_space_is_refused(client: httpx.Client) -> None:
    response = client.get(f"v1/spaces/spa_other/collections/users/profiles/{JANE}/traits")
    assert response.status_code == 401


def test_unknown_profile_and_missing_type_are_404(client: httpx.Client) -> None:
    for segment in ("email:nobody%40example.com", "jane%40example.com", "u_jane_001", "email:"):
        response = client.get(f"{USERS}/{segment}/traits")
        assert response.status_code == 404, segment
        assert response.json() == NOT_FOUND


def test_unknown_route_and_collection(client: httpx.Client) -> None:
    assert client.get(f"{USERS}/{JANE}/properties").status_code == 404
    assert client.get(f"v1/spaces/{SPACE}/collections/things/profiles/{JANE}/traits").json() == (
        NOT_FOUND
    )
    response = client.get("v1/somewhere/else")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_only_get_is_served(client: httpx.Client) -> None:
    response = client.post(f"{USERS}/{JANE}/traits", json={})
    assert response.status_code == 405


def test_plus_must_be_sent_as_percent_2b(sandbox: ProfileApiSandbox, client: httpx.Client) -> None:
    encoded = client.get(f"{USERS}/phone:%2B15555550123/traits", params={"include": "name"})
    assert encoded.status_code == 200
    assert encoded.json()["traits"] == {"name": "Carlos Mendoza"}
    # A raw `+` reads as a space at Segment, so the phone customer is not found.
    raw = client.get(f"{USERS}/phone:+15555550123/traits")
    assert raw.status_code == 404
    assert [r.segment for r in sandbox.requests()[-2:]] == [
        "phone:%2B15555550123",
        "phone:+15555550123",
    ]


def test_identifier_path_from_bot_identifiers_matches(client: httpx.Client) -> None:
    for ident in (Identifier("phone", "+15555550123"), Identifier("email", "jane@example.com")):
        response = client.get(profile_path(SPACE, ident, "traits").lstrip("/"))
        assert response.status_code == 200, ident.type


def test_raw_at_sign_also_matches(client: httpx.Client) -> None:
    # Segment's own examples put a raw @ in the path.
    assert client.get(f"{USERS}/email:jane@example.com/traits").status_code == 200


def test_matching_is_case_sensitive(client: httpx.Client) -> None:
    for segment in (
        "email:Jane%40example.com",
        "email:JANE%40EXAMPLE.COM",
        "Email:jane%40example.com",
    ):
        assert client.get(f"{USERS}/{segment}/traits").status_code == 404, segment


def test_recorded_request_fields(sandbox: ProfileApiSandbox, client: httpx.Client) -> None:
    sandbox.clear_requests()
    client.get(f"{USERS}/{JANE}/events", params={"limit": "3", "sort": "asc"})
    (record,) = sandbox.requests()
    assert record.method == "GET"
    assert record.path == f"/{USERS}/{JANE}/events"
    assert record.query == {"limit": "3", "sort": "asc"}
    assert (record.route, record.collection, record.segment) == ("events", "users", JANE)
    assert record.status == 200 and record.authorized is True and record.at > 0
    assert sandbox.request_count() == 1 and sandbox.request_count("events") == 1
    assert sandbox.request_count("traits") == 0


def test_keep_alive_serves_several_requests_on_one_socket(sandbox: ProfileApiSandbox) -> None:
    port = int(sandbox.base_url.rsplit(":", 1)[1].rstrip("/"))
    auth = base64.b64encode(b"sandbox-token:").decode()
    request = (
        f"GET /{USERS}/{JANE}/metadata HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Basic {auth}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        reader = conn.makefile("rb")
        for _ in range(3):
            conn.sendall(request)
            status = reader.readline()
            assert status.startswith(b"HTTP/1.1 200")
            length = None
            while (line := reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            assert length is not None and len(reader.read(length)) == length


def test_stop_closes_kept_alive_connections() -> None:
    sandbox = ProfileApiSandbox().start()
    client = new_client(base_url=sandbox.base_url, auth=(sandbox.token, ""))
    assert client.get(f"{USERS}/{JANE}/metadata").status_code == 200
    sandbox.stop()
    with pytest.raises(httpx.TransportError):
        client.get(f"{USERS}/{JANE}/metadata")
    client.close()


def test_concurrent_requests_are_all_answered_and_recorded(sandbox: ProfileApiSandbox) -> None:
    segments = ["email:jane%40example.com", "phone:%2B15555550123", "user_id:u_liam_007"]

    def fetch(index: int) -> int:
        with new_client(base_url=sandbox.base_url, auth=(sandbox.token, "")) as http:
            return http.get(f"{USERS}/{segments[index % 3]}/traits").status_code

    with ThreadPoolExecutor(max_workers=24) as pool:
        statuses = list(pool.map(fetch, range(96)))
    assert statuses == [200] * 96
    assert sandbox.request_count("traits") == 96


def test_custom_customers_file(tmp_path, anon: httpx.Client) -> None:
    data = {
        "users": [
            {
                "name": "Ada Test",
                "primary": "user_id:ada",
                "summary": "one customer",
                "segment_id": "use_ada",
                "external_ids": [{"type": "user_id", "id": "ada"}],
                "traits": {"name": "Ada Test"},
                "events": [{"event": "Signed In", "minutes_ago": 5}],
            }
        ]
    }
    path = tmp_path / "customers.json"
    path.write_text(json.dumps(data))
    with ProfileApiSandbox(customers_path=path) as sandbox:
        assert [c.name for c in sandbox.customers()] == ["Ada Test"]
        url = f"{sandbox.base_url}{USERS}/user_id:ada/events"
        events = anon.get(url, auth=(sandbox.token, "")).json()["data"]
        assert [e["event"] for e in events] == ["Signed In"]
        missing = anon.get(url.replace("user_id:ada", JANE), auth=(sandbox.token, ""))
        assert missing.status_code == 404
