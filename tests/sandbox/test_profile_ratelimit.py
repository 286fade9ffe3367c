"""Per-space rate limiting: more than N requests in any rolling second answers 429."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from bot.sandbox import ProfileApiSandbox
from bot.sandbox.ratelimit import RollingWindowLimiter
from tests.sandbox.conftest import JANE, USERS, new_client

TRAITS = f"{USERS}/{JANE}/traits"


@contextmanager
def running(rps: float | None, clock=None) -> Iterator[tuple[ProfileApiSandbox, httpx.Client]]:
    kwargs = {"clock": clock} if clock else {}
    with (
        ProfileApiSandbox(rate_limit_rps=rps, **kwargs) as sandbox,
        new_client(base_url=sandbox.base_url, auth=(sandbox.token, "")) as client,
    ):
        yield sandbox, client


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_burst_over_the_limit_gets_429_without_retry_after() -> None:
    with running(5) as (_, client):
        responses = [client.get(TRAITS) for _ in range(8)]
    statuses = [r.status_code for r in responses]
    # Eight requests from one client cannot take a full second here; allow a slow machine anyway.
    assert statuses.count(429) >= 1
    assert statuses[:5] == [200] * 5
    limited = next(r for r in responses if r.status_code == 429)
    assert limited.json()["error"]["code"] == "rate_limit_error"
    assert "retry-after" not in limited.headers
    assert limited.headers["request-id"]


def test_window_rolls_with_the_clock() -> None:
    clock = FakeClock()
    with running(3, clock) as (_, client):
        assert [client.get(TRAITS).status_code for _ in range(4)] == [200, 200, 200, 429]
        clock.now += 0.5
        assert client.get(TRAITS).status_code == 429
        clock.now += 0.5  # the first three are now a full second old
        assert [client.get(TRAITS).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_unauthorized_requests_do_not_use_the_budget(anon: httpx.Client) -> None:
    with ProfileApiSandbox(rate_limit_rps=2, clock=FakeClock()) as sandbox:
        for _ in range(5):
            assert anon.get(sandbox.base_url + TRAITS).status_code == 401
        with new_client(base_url=sandbox.base_url, auth=(sandbox.token, "")) as client:
            assert [client.get(TRAITS).status_code for _ in range(3)] == [200, 200, 429]


def test_none_disables_and_set_rate_limit_changes_it() -> None:
    with running(None, FakeClock()) as (sandbox, client):
        assert all(client.get(TRAITS).status_code == 200 for _ in range(30))
        sandbox.set_rate_limit(1)
        assert [client.get(TRAITS).status_code for _ in range(2)] == [200, 429]
        put = client.put("_sandbox/rate_limit", json={"rps": None})
        assert put.status_code == 200
        assert client.get(TRAITS).status_code == 200
        assert client.put("_sandbox/rate_limit", json={"rps": "fast"}).status_code == 400


def test_limiter_keys_are_independent() -> None:
    limiter = RollingWindowLimiter(1)
    assert limiter.admit("spa_a", 0.0) and limiter.admit("spa_b", 0.0)
    assert not limiter.admit("spa_a", 0.5)
    assert limiter.admit("spa_a", 1.0)
