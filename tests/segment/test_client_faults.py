"""Error kinds, retries, deadlines and hostile bodies, over real HTTP into the sandbox."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable

import pytest

from bot.sandbox.faults import Fault
from bot.sandbox.profile_api import ProfileApiSandbox
from bot.segment.client import ProfileApiClient
from bot.segment.errors import ErrorKind, ProfileApiError
from bot.state.memory import PacedLimiter
from tests.segment.conftest import JANE, TOKEN, deadline_in

ClientFactory = Callable[..., ProfileApiClient]


def fails(call: Callable[[], object]) -> ProfileApiError:
    with pytest.raises(ProfileApiError) as caught:
        call()
    return caught.value


def assert_clean(error: ProfileApiError) -> None:
    text = str(error)
    for secret in ("jane", "example.com", "%40", TOKEN, "127.0.0.1", "/v1/", "Portland"):
        assert secret not in text


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (404, ErrorKind.NOT_FOUND),
        (401, ErrorKind.UNAUTHORIZED),
        (403, ErrorKind.UNAUTHORIZED),
        (400, ErrorKind.INVALID_REQUEST),
    ],
)
def test_client_errors_are_typed_and_never_retried(
    sandbox: ProfileApiSandbox, make_client: ClientFactory, status: int, kind: ErrorKind
) -> None:
    sandbox.add_fault(Fault(route="traits", status=status))
    error = fails(lambda: make_client().traits(JANE, deadline=deadline_in(5)))
    assert error.kind is kind and error.status == status
    assert error.request_id and error.request_id in str(error)
    assert sandbox.request_count() == 1
    assert_clean(error)


def test_wrong_token_is_unauthorized(
    sandbox: ProfileApiSandbox, make_client: ClientFactory
) -> None:
    error = fails(lambda: make_client(token="wrong").traits(JANE, deadline=deadline_in(5)))
    assert error.kind is ErrorKind.UNAUTHORIZED
    assert sandbox.request_count() == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_retried_then_success(
    sandbox: ProfileApiSandbox, make_client: ClientFactory, status: int
) -> None:
    sandbox.add_fault(Fault(route="traits", status=status, times=1))
    client = make_client()
    page = client.traits(JANE, deadline=deadline_in(5))
    assert page.traits["first_name"] == "Jane"
    assert sandbox.request_count() == 2 and client.request_count == 2


def test_5xx_gives_up_after_two_retries(
    sandbox: ProfileApiSandbox, make_client: ClientFactory
) -> None:
    sandbox.add_fault(Fault(route="traits", status=503))
    error = fails(lambda: make_client().traits(JANE, deadline=deadline_in(5)))
    assert error.kind is ErrorKind.UPSTREAM and error.status == 503
    assert sandbox.request_count() == 3
    assert_clean(error)


def test_backoff_uses_full_jitter_sleeps(
    sandbox: ProfileApiSandbox, make_client: ClientFactory
) -> None:
    sandbox.add_fault(Fault(route="traits", status=500))
    sleeps: list[float] = []
    client = make_client(rng=lambda: 1.0, sleep=sleeps.append)
    fails(lambda: client.traits(JANE, deadline=deadline_in(5)))
    assert sleeps == pytest.approx([0.2, 0.4])


def test_html_502_page_is_upstream(sandbox: ProfileApiSandbox, make_client: ClientFactory) -> None:
    sandbox.add_fault(Fault(route="traits", mode="html"))
    error = fails(lambda: make_client().traits(JANE, deadline=deadline_in(5)))
    assert error.kind is ErrorKind.UPSTREAM and error.status == 502
    assert "html" not in str(error).lower() or "HTML error page" in str(error)
    assert "<center>" not in str(error)


def test_connection_reset_retried(sandbox: ProfileApiSandbox, make_client: ClientFactory) -> None:
    sandbox.add_fault(Fault(route="traits", mode="reset", times=1))
    page = make_client().traits(JANE, deadline=deadline_in(5))
    assert page.traits
    assert sandbox.request_count() == 2


def test_connection_reset_every_time(
    sandbox: ProfileApiSandbox, make_client: ClientFactory
) -> None:
    sandbox.add_fault(Fault(route="traits", mode="reset"))
    error = fails(lambda: make_client().traits(JANE, deadline=deadline_in(5)))
    assert error.kind is ErrorKind.UPSTREAM and error.status is None
    assert sandbox.request_count() == 3


def test_connection_refused_is_upstream(make_client: ClientFactory) -> None:
    client = make_client(base_url="http://127.0.0.1:9/")  # nothing listens on the discard port
    error = fails(lambda: client.traits(JANE, deadline=deadline_in(3)))
    assert error.kind is ErrorKind.UPSTREAM
    assert_clean(error)


def test_retry_after_honoured_when_it_fits(
    sandbox: ProfileApiSandbox, make_client: ClientFactory
) -> None:
    sandbox.add_fault(Fault(route="traits", status=429, headers={"Retry-After": "0.3"}, times=1))
    started = time.monotonic()
    page = make_client().traits(JANE, deadline=deadline_in(3))
    assert page.traits
    times = [r.at for r in sandbox.requests()]
    assert len(times) == 2 and times[1] - times[0] >= 0.29
    assert time.monotonic() - started < 2


def test_retry_after_too_long_fails_fast(
    sandbox: ProfileApiSandbox, make_client: ClientFactory
) -> None:
    sandbox.add_fault(Fault(route="traits", status=429, headers={"Retry-After": "30"}))
    started = time.monotonic()
    error = fails(lambda: make_client().traits(JANE, deadline=deadline_in(3)))
    assert time.monotonic() - started < 0.5
    assert error.kind is ErrorKind.RATE_LIMITED and error.retry_after == 30
    assert sandbox.request_count() == 1


@pytest.mark.parametrize("header", ["abc", "-10", "inf", "nan", "9" * 35, "Zun, 29 Sep 2023"])
def test_garbage_retry_after_falls_back_to_the_cool_down(
    sandbox: ProfileApiSandbox, make_client: ClientFactory, header: str
) -> None:
    sandbox.add_fault(Fault(route="traits", status=429, headers={"Retry-After": header}, times=1))
    sleeps: list[float] = []
    page = make_client(sleep=sleeps.append).traits(JANE, deadline=deadline_in(3))
    assert page.traits
    assert sandbox.request_count() == 2
    # no Retry-After worth believing: a zero backoff (rng=0) then the default 1 s cool-down
    assert len(sleeps) == 2 and 0.8 < sleeps[1] <= 1.0


def test_429_without_retry_after_pauses_other_calls(
    sandbox: ProfileApiSandbox, make_client: ClientFactory
) -> None:
    sandbox.add_fault(Fault(route="traits", status=429, times=1))
    client = make_client(max_retries=0)
    first = fails(lambda: client.traits(JANE, deadline=deadline_in(3)))
    assert first.kind is ErrorKind.RATE_LIMITED and first.status == 429
    # a concurrent lookup with too little time left is refused without a request …
    started = time.monotonic()
    second = fails(lambda: client.events(JANE, deadline=deadline_in(0.4)))
    assert second.kind is ErrorKind.RATE_LIMITED and second.retry_after
    assert time.monotonic() - started < 0.1
    assert sandbox.request_count() == 1
    # … and one with time to spare waits out the cool-down, then goes ahead
    client.events(JANE, deadline=deadline_in(3))
    arrivals = [r.at for r in sandbox.requests()]
    assert arrivals[1] - arrivals[0] >= 0.9


def test_budget_without_permit_refuses_without_sending(
    sandbox: ProfileApiSandbox, make_client: ClientFactory
) -> None:
    budget = PacedLimiter(1)
    client = make_client(budget=budget)
    client.traits(JANE, deadline=deadline_in(3))
    started = time.monotonic()
    error = fails(lambda: client.events(JANE, deadline=deadline_in(0.3)))
    assert error.kind is ErrorKind.RATE_LIMITED and "busy" in str(error)
    assert time.monotonic() - started < 0.1
    assert sandbox.request_count() == 1


def test_deadline_against_slow_headers(
    sandbox: ProfileApiSandbox, make_client: ClientFactory
) -> None:
    sandbox.add_fault(Fault(route="traits", latency=3.0))
    started = time.monotonic()
    error = fails(lambda: make_client().traits(JANE, deadline=deadline_in(0.6)))
    elapsed = time.monotonic() - started
    assert error.kind is ErrorKind.TIMEOUT
    assert 0.5 < elapsed < 1.0


def test_deadline_against_a_trickling_body(
    sandbox: ProfileApiSandbox, make_client: ClientFactory
) -> None:
    # Each byte arrives well inside the read timeout, so only the total deadline can stop it.
    sandbox.add_fault(Fault(route="traits", mode="trickle", trickle_interval=0.05))
    started = time.monotonic()
    error = fails(lambda: make_client().traits(JANE, deadline=deadline_in(0.8)))
    elapsed = time.monotonic() - started
    assert error.kind is ErrorKind.TIMEOUT
    assert 0.7 < elapsed < 1.2


def test_retry_never_sleeps_past_the_deadline(
    sandbox: ProfileApiSandbox, make_client: ClientFactory
) -> None:
    sandbox.add_fault(Fault(route="traits", status=503, latency=0.2))
    started = time.monotonic()
    fails(lambda: make_client(rng=lambda: 1.0).traits(JANE, deadline=deadline_in(0.5)))
    assert time.monotonic() - started < 0.8


@pytest.mark.parametrize(
    "fault",
    [
        Fault(route="traits", mode="truncated_json"),
        Fault(route="traits", mode="wrong_shape"),
        Fault(route="traits", mode="null_data"),
        Fault(route="traits", mode="deep_nesting"),
        Fault(route="traits", mode="non_utf8"),
        Fault(route="traits", body=b'{"traits": {"a": NaN}, "cursor": null}'),
        Fault(route="traits", body=b'{"traits": {"a": "\\ud800"}}'),
        Fault(route="traits", body=b'\xef\xbb\xbf{"traits": {}}'),
        Fault(route="traits", body=b'{"traits": {"a": ' + b"7" * 5000 + b"}}"),
        Fault(route="traits", body=b"<html>oops</html>", content_type="application/json"),
        Fault(route="traits", body=b'{"traits": {}}', headers={"Content-Encoding": "gzip"}),
        Fault(route="traits", body=b"\x00\x01", headers={"Content-Encoding": "br"}),
    ],
)
def test_malformed_bodies(
    sandbox: ProfileApiSandbox, make_client: ClientFactory, fault: Fault
) -> None:
    sandbox.add_fault(fault)
    error = fails(lambda: make_client().traits(JANE, deadline=deadline_in(5)))
    assert error.kind is ErrorKind.MALFORMED
    assert error.request_id
    assert sandbox.request_count() == 1  # a broken body is not retried
    assert_clean(error)


def test_null_events_data_means_no_events(
    sandbox: ProfileApiSandbox, make_client: ClientFactory
) -> None:
    sandbox.add_fault(Fault(route="events", mode="null_data"))
    page = make_client().events(JANE, deadline=deadline_in(5))
    assert page.events == ()


def test_huge_body_is_too_large(sandbox: ProfileApiSandbox, make_client: ClientFactory) -> None:
    sandbox.add_fault(Fault(route="traits", mode="huge"))
    error = fails(lambda: make_client().traits(JANE, deadline=deadline_in(5)))
    assert error.kind is ErrorKind.TOO_LARGE
    assert sandbox.request_count() == 1


def test_gzip_bomb_is_too_large_without_ballooning(
    sandbox: ProfileApiSandbox, make_client: ClientFactory
) -> None:
    bomb = gzip.compress(b'{"traits": {"a": "' + b"A" * 10_000_000 + b'"}}')
    assert len(bomb) < 20_000
    sandbox.add_fault(Fault(route="traits", body=bomb, headers={"Content-Encoding": "gzip"}))
    error = fails(lambda: make_client().traits(JANE, deadline=deadline_in(5)))
    assert error.kind is ErrorKind.TOO_LARGE


def test_gzip_body_is_decoded(sandbox: ProfileApiSandbox, make_client: ClientFactory) -> None:
    body = gzip.compress(json.dumps({"traits": {"plan": "pro"}}).encode())
    sandbox.add_fault(Fault(route="traits", body=body, headers={"Content-Encoding": "gzip"}))
    assert dict(make_client().traits(JANE, deadline=deadline_in(5)).traits) == {"plan": "pro"}


def test_redirect_is_not_followed(sandbox: ProfileApiSandbox, make_client: ClientFactory) -> None:
    with ProfileApiSandbox(token=TOKEN) as elsewhere:
        target = elsewhere.base_url + "v1/spaces/spa_sandbox/collections/users/profiles/x/traits"
        sandbox.add_fault(Fault(route="traits", status=302, headers={"Location": target}))
        error = fails(lambda: make_client().traits(JANE, deadline=deadline_in(5)))
        assert error.kind is ErrorKind.UPSTREAM and error.status == 302
        assert elsewhere.request_count() == 0


def test_proxy_environment_is_ignored(
    sandbox: ProfileApiSandbox, make_client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert make_client().traits(JANE, deadline=deadline_in(5)).traits
    assert sandbox.request_count() == 1
