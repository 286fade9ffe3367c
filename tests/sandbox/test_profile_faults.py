"""Fault injection: every mode, matching, `times`, and the HTTP control endpoints."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from bot.sandbox import Fault, ProfileApiSandbox
from tests.sandbox.conftest import JANE, USERS, new_client

TRAITS = f"{USERS}/{JANE}/traits"
EVENTS = f"{USERS}/{JANE}/events"


def test_reset_closes_without_answer(sandbox: ProfileApiSandbox, client: httpx.Client) -> None:
    sandbox.add_fault(Fault(mode="reset", times=1))
    with pytest.raises(httpx.TransportError):
        client.get(TRAITS)
    assert sandbox.requests()[-1].status == 0
    assert client.get(TRAITS).status_code == 200


def test_latency_delays_the_answer(sandbox: ProfileApiSandbox, client: httpx.Client) -> None:
    sandbox.add_fault(Fault(latency=0.3, times=1))
    started = time.monotonic()
    assert client.get(TRAITS).status_code == 200
    assert time.monotonic() - started >= 0.3
    sandbox.add_fault(Fault(latency=5, times=1))
    with pytest.raises(httpx.ReadTimeout):
        client.get(TRAITS, timeout=0.2)


def test_trickle_sends_the_real_body_slowly(
    sandbox: ProfileApiSandbox, client: httpx.Client
) -> None:
    expected = client.get(TRAITS, params={"include": "city"}).json()
    sandbox.add_fault(Fault(mode="trickle", trickle_interval=0.002, times=1))
    started = time.monotonic()
    response = client.get(TRAITS, params={"include": "city"})
    elapsed = time.monotonic() - started
    assert response.json()["traits"] == expected["traits"]
    assert elapsed >= 0.002 * len(response.content) * 0.5
    sandbox.add_fault(Fault(mode="trickle", trickle_interval=0.5, times=1))
    with pytest.raises(httpx.ReadTimeout):
        client.get(TRAITS, timeout=httpx.Timeout(5, read=0.2))


def test_status_fault_with_json_error_and_headers(
    sandbox: ProfileApiSandbox, client: httpx.Client
) -> None:
    sandbox.add_fault(Fault(status=503, headers={"Retry-After": "1"}, times=1))
    response = client.get(TRAITS)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.headers["request-id"]
    assert response.json()["error"]["code"]
    sandbox.add_fault(Fault(status=429, times=1))
    assert client.get(TRAITS).json()["error"]["code"] == "rate_limit_error"


def test_custom_body_and_content_type(sandbox: ProfileApiSandbox, client: httpx.Client) -> None:
    sandbox.add_fault(Fault(status=200, body=b"plain words", content_type="text/plain", times=1))
    response = client.get(TRAITS)
    assert response.text == "plain words"
    assert response.headers["content-type"] == "text/plain"


def test_html_502(sandbox: ProfileApiSandbox, client: httpx.Client) -> None:
    sandbox.add_fault(Fault(mode="html", times=1))
    response = client.get(TRAITS)
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert b"502 Bad Gateway" in response.content


def test_huge_is_valid_json_over_5mb(sandbox: ProfileApiSandbox, client: httpx.Client) -> None:
    sandbox.add_fault(Fault(mode="huge", times=2))
    response = client.get(TRAITS)
    assert len(response.content) >= 5 * 1024 * 1024
    assert isinstance(response.json()["traits"], dict)
    assert isinstance(client.get(EVENTS).json()["data"], list)


def test_deep_nesting(sandbox: ProfileApiSandbox, client: httpx.Client) -> None:
    sandbox.add_fault(Fault(mode="deep_nesting", times=1))
    content = client.get(TRAITS).content
    assert content.startswith(b"[" * 100_000)
    with pytest.raises(RecursionError):
        json.loads(content)


def test_non_utf8(sandbox: ProfileApiSandbox, client: httpx.Client) -> None:
    sandbox.add_fault(Fault(mode="non_utf8", times=1))
    response = client.get(TRAITS)
    assert response.headers["content-type"].startswith("application/json")
    with pytest.raises(UnicodeDecodeError):
        response.content.decode("utf-8")


def test_truncated_json(sandbox: ProfileApiSandbox, client: httpx.Client) -> None:
    full = client.get(TRAITS).content
    sandbox.add_fault(Fault(mode="truncated_json", times=1))
    cut = client.get(TRAITS).content
    assert full.startswith(cut) and len(cut) < len(full)
    with pytest.raises(ValueError):
        json.loads(cut)


def test_wrong_shape(sandbox: ProfileApiSandbox, client: httpx.Client) -> None:
    sandbox.add_fault(Fault(mode="wrong_shape", times=2))
    assert isinstance(client.get(TRAITS).json()["traits"], list)
    assert isinstance(client.get(EVENTS).json()["data"], dict)


def test_null_data(sandbox: ProfileApiSandbox, client: httpx.Client) -> None:
    sandbox.add_fault(Fault(mode="null_data", times=3))
    assert client.get(TRAITS).json()["traits"] is None
    assert client.get(EVENTS).json()["data"] is None
    assert client.get(f"{USERS}/{JANE}/metadata").json()["metadata"] is None


def test_times_counts_down_then_drops(sandbox: ProfileApiSandbox, client: httpx.Client) -> None:
    sandbox.add_fault(Fault(status=500, times=2))
    assert [client.get(TRAITS).status_code for _ in range(3)] == [500, 500, 200]
    assert sandbox.faults() == []


def test_fault_without_times_stays_until_cleared(
    sandbox: ProfileApiSandbox, client: httpx.Client
) -> None:
    sandbox.add_fault(Fault(status=500))
    assert [client.get(TRAITS).status_code for _ in range(3)] == [500, 500, 500]
    sandbox.clear_faults()
    assert client.get(TRAITS).status_code == 200


def test_matching_by_route_collection_segment_and_query(
    sandbox: ProfileApiSandbox, client: httpx.Client
) -> None:
    sandbox.add_fault(Fault(route="events", status=500))
    sandbox.add_fault(Fault(route="traits", query={"class": "audience"}, status=502))
    sandbox.add_fault(Fault(collection="accounts", status=504))
    sandbox.add_fault(Fault(segment="email:tom.becker%40example.org", status=503))
    assert client.get(EVENTS).status_code == 500
    assert client.get(TRAITS).status_code == 200
    assert client.get(TRAITS, params={"class": "audience"}).status_code == 502
    assert client.get(TRAITS, params={"class": "computed_trait"}).status_code == 200
    accounts = TRAITS.replace("users", "accounts").replace(JANE, "group_id:acme-corp")
    assert client.get(accounts).status_code == 504
    assert client.get(f"{USERS}/email:tom.becker%40example.org/traits").status_code == 503
    assert client.get(f"{USERS}/{JANE}/links").status_code == 200


def test_fault_validation() -> None:
    with pytest.raises(ValueError):
        Fault(mode="explode")
    with pytest.raises(ValueError):
        Fault(route="everything")
    with pytest.raises(ValueError):
        Fault(times=0)


def test_control_endpoints(sandbox: ProfileApiSandbox, client: httpx.Client) -> None:
    control = new_client(base_url=sandbox.base_url)  # no credentials needed on loopback
    added = control.post(
        "_sandbox/faults",
        json=[{"route": "traits", "status": 500, "times": 1}, {"route": "events", "body": "x"}],
    )
    assert added.json() == {"ok": True, "added": 2}
    assert [f["route"] for f in control.get("_sandbox/faults").json()] == ["traits", "events"]
    assert client.get(TRAITS).status_code == 500
    assert client.get(EVENTS).content == b"x"
    assert control.delete("_sandbox/faults").status_code == 200
    assert client.get(EVENTS).status_code == 200
    assert control.post("_sandbox/faults", json=[{"mode": "nope"}]).status_code == 400
    assert control.post("_sandbox/faults", json=[{"colour": "red"}]).status_code == 400

    requests = control.get("_sandbox/requests").json()
    assert [r["route"] for r in requests] == ["traits", "events", "events"]
    assert requests[0]["status"] == 500 and requests[0]["segment"] == JANE
    assert control.delete("_sandbox/requests").status_code == 200
    assert control.get("_sandbox/requests").json() == []

    customers = control.get("_sandbox/customers").json()
    assert {"name": "Jane Doe", "identifier": "email:jane@example.com"}.items() <= customers[
        0
    ].items()
    assert control.get("_sandbox/unknown").status_code == 404
    control.close()


def test_control_fault_body_base64(
    sandbox: ProfileApiSandbox, client: httpx.Client, anon: httpx.Client
) -> None:
    anon.post(
        f"{sandbox.base_url}_sandbox/faults",
        json={"body_base64": "/wA=", "content_type": "application/octet-stream", "times": 1},
    )
    assert client.get(TRAITS).content == b"\xff\x00"
