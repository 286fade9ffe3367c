"""Scenarios 23-25, 28 and 29 (reliability-security.md §5): a Profile API that refuses, fails,
rate-limits, or sends bodies that are broken or too big — each answered with a card that says
what happened, within the lookup deadline.

Lookups go through the running app over HTTP, into the Profile API sandbox on loopback with a
fault injected; the card is what reaches the person's response_url.
"""

from __future__ import annotations

import concurrent.futures
import gzip
import json
import time
from collections.abc import Callable
from email.utils import formatdate

import pytest

from bot.sandbox.faults import Fault
from bot.segment.breaker import BreakerState
from tests.security.checks import (
    fresh,
    only_record,
    requests_per_call,
    timed_lookup,
    warnings_of,
)
from tests.security.servers import lying_upstream
from tests.support.harness import JANE, BotHarness, card_text

TOM = "tom.becker@example.org"
LIAM = "liam.obrien@example.com"


# -- 23: Segment refuses ------------------------------------------------------------------------

VALIDATION_ERROR = json.dumps(
    {"error": {"code": "validation_error", "message": "The identifier is not valid."}}
).encode()


@pytest.mark.parametrize(
    ("status", "says", "outcome"),
    [
        (401, "Segment token or space is wrong", "unauthorized"),
        (403, "Segment token or space is wrong", "unauthorized"),
        (400, "Segment rejected the lookup", "invalid_request"),
    ],
)
def test_s23_segment_refusals_not_retried(
    bot: BotHarness, status: int, says: str, outcome: str
) -> None:
    mark = fresh(bot)
    body = VALIDATION_ERROR if status == 400 else None
    bot.sandbox.add_fault(Fault(route="*", status=status, body=body))
    with warnings_of("bot.segment.request") as alerts:
        card, _ = timed_lookup(bot, f"email:{JANE}")
        bot.settle()
    assert says in card_text(card)
    assert "The identifier is not valid" not in card_text(card)  # Segment's wording stays out
    only_record(mark, action="lookup", outcome=outcome)
    calls = requests_per_call(bot)
    assert calls and set(calls.values()) == {1}, calls  # none of them retried
    if status in (401, 403):
        assert any("SEGMENT_ACCESS_TOKEN" in m for m in alerts.messages), alerts.messages
    assert bot.services.profiles.client.breaker.state is BreakerState.CLOSED


def test_s23_not_found_is_negative_cached_and_healthy(bot: BotHarness) -> None:
    for attempt in range(2):
        mark = fresh(bot)
        card, _ = timed_lookup(bot, "email:nobody@example.com")
        assert "No profile found" in card_text(card)
        only_record(mark, action="lookup", outcome="not_found")
        # The second lookup is answered from the short negative cache: no request.
        assert (bot.sandbox.request_count() == 0) == (attempt == 1)
    for n in range(6):  # many not-founds in a row are answers, not failures
        timed_lookup(bot, f"email:nobody{n}@example.com")
    assert bot.services.profiles.client.breaker.state is BreakerState.CLOSED


# -- 24: 429 storm ------------------------------------------------------------------------------

RETRY_AFTER = {
    "one_second": "1",
    "absent": None,
    "garbage": "abc",
    "negative": "-10",
    "inf": "inf",
    "nan": "nan",
    "huge": "99999999999",
    "past_date": "Wed, 21 Oct 2015 07:28:00 GMT",
    "future_date": "+30",  # replaced by an HTTP-date 30 s from now
}


@pytest.mark.parametrize("case", list(RETRY_AFTER))
def test_s24_429_storm_with_any_retry_after(make_bot: Callable[..., BotHarness], case: str) -> None:
    rate = 5
    bot = make_bot(
        env={"PROFILE_LOOKUP_DEADLINE_SECONDS": "1", "SEGMENT_RATE_LIMIT_RPS": str(rate)}
    )
    value = RETRY_AFTER[case]
    if value == "+30":
        value = formatdate(time.time() + 30, usegmt=True)
    headers = {} if value is None else {"Retry-After": value}
    bot.post_command("help")  # warm the access cache
    mark = fresh(bot)
    bot.sandbox.add_fault(Fault(route="*", status=429, headers=headers))
    emails = [JANE, TOM, LIAM]
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(len(emails)) as pool:
        results = list(pool.map(lambda e: timed_lookup(bot, f"email:{e}"), emails))
    elapsed = time.monotonic() - started
    assert elapsed < 1 + 2.0, elapsed  # the lookup deadline, plus a sanity margin
    for card, _ in results:
        text = card_text(card)
        assert "Segment is busy, try again in ~" in text, text[:400]
        wait = int(text.split("try again in ~", 1)[1].split(" s", 1)[0].replace(",", ""))
        assert 1 <= wait <= (31 if case == "future_date" else 2), wait
    bot.settle()
    records = mark.new_records()
    assert [r["outcome"] for r in records] == ["rate_limited"] * len(emails)
    # The upstream rate never exceeds the configured budget, and retries do not amplify.
    arrivals = sorted(r.at for r in bot.sandbox.requests())
    busiest = max(sum(1 for t in arrivals if a <= t < a + 1.0) for a in arrivals)
    assert busiest <= rate, arrivals
    assert max(requests_per_call(bot).values()) <= 3


# -- 25: Segment errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case", ["500", "502", "503", "504", "html_error_page", "connection_reset", "tls_handshake"]
)
def test_s25_server_errors_retried_then_reported(
    make_bot: Callable[..., BotHarness], case: str
) -> None:
    env: dict[str, str] = {}

    def tls_to_plain_http(harness: BotHarness) -> None:
        # https:// to a plain-http server: the TLS handshake fails on every attempt.
        env["SEGMENT_PROFILE_API_URL"] = harness.sandbox.base_url.replace("http:", "https:")

    bot = make_bot(env=env, configure=tls_to_plain_http if case == "tls_handshake" else None)
    mark = fresh(bot)
    if case.isdigit():
        bot.sandbox.add_fault(Fault(route="*", status=int(case)))
    elif case == "html_error_page":
        bot.sandbox.add_fault(Fault(route="*", mode="html"))
    elif case == "connection_reset":
        bot.sandbox.add_fault(Fault(route="*", mode="reset"))
    card, elapsed = timed_lookup(bot, f"email:{JANE}")
    text = card_text(card)
    assert "Segment had a problem answering" in text and "Try again" in text
    if case.isdigit():
        assert f"HTTP {case}" in text
    for leak in ("<html", "<center>", "Bad Gateway", "Traceback", "Injected error", "ssl", "SSL"):
        assert leak not in text
    assert elapsed < bot.settings.lookup_deadline_seconds + 1.5
    only_record(mark, action="lookup", outcome="upstream_error")
    if case != "tls_handshake":
        calls = requests_per_call(bot)
        assert 1 <= max(calls.values()) <= 3, calls  # at most two retries of each request


# -- 28: malformed bodies -----------------------------------------------------------------------

MALFORMED = {
    "truncated_json": Fault(route="*", mode="truncated_json"),
    "traits_as_list": Fault(route="*", mode="wrong_shape"),
    "traits_null": Fault(route="*", mode="null_data"),
    "traits_missing": Fault(route="*", body=b'{"cursor": {"has_more": false}}'),
    "deep_nesting": Fault(route="*", mode="deep_nesting"),
    "5000_digit_int": Fault(route="*", body=b'{"traits": {"a": ' + b"7" * 5000 + b"}}"),
    "nan": Fault(route="*", body=b'{"traits": {"a": NaN}, "data": [NaN]}'),
    "lone_surrogate": Fault(route="*", body=b'{"traits": {"a": "\\ud800"}, "data": ["\\ud800"]}'),
    "bom": Fault(route="*", body=b'\xef\xbb\xbf{"traits": {}, "data": []}'),
    "html_as_json": Fault(route="*", body=b"<html>oops</html>", content_type="application/json"),
    "non_utf8": Fault(route="*", mode="non_utf8"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_s28_malformed_body_is_an_upstream_error(bot: BotHarness, case: str) -> None:
    mark = fresh(bot)
    bot.sandbox.add_fault(MALFORMED[case])
    card, elapsed = timed_lookup(bot, f"email:{JANE}")
    text = card_text(card)
    record = only_record(mark, action="lookup")
    assert elapsed < bot.settings.lookup_deadline_seconds + 1.0
    if case in ("traits_null", "traits_missing"):
        # The other routes' answers were usable (`data` null or absent is "none"): the traits
        # section is reported unreadable, the rest is shown.
        assert record["outcome"] == "partial"
        assert "Traits unavailable: Segment sent an answer the bot could not read" in text
        assert "traits" in (record["detail"] or "")
    else:
        assert record["outcome"] == "malformed_response", record
        assert "Segment sent an answer the bot couldn't read" in text
    for leak in ("oops", "\\ud800", "7777777", "NaN", "\ufffd"):
        assert leak not in text
    calls = requests_per_call(bot)
    assert set(calls.values()) == {1}, calls  # a broken body is not asked for again


# -- 29: huge bodies ----------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["huge_body", "gzip_bomb", "lying_content_length"])
def test_s29_huge_body_or_gzip_bomb_capped(make_bot: Callable[..., BotHarness], case: str) -> None:
    with lying_upstream() as liar:
        env = {"SEGMENT_PROFILE_API_URL": liar.base_url} if case == "lying_content_length" else {}
        bot = make_bot(env=env)
        mark = fresh(bot)
        if case == "huge_body":
            bot.sandbox.add_fault(Fault(route="*", mode="huge"))  # 5 MB of JSON
        elif case == "gzip_bomb":
            bomb = gzip.compress(b'{"traits": {"a": "' + b"A" * 50_000_000 + b'"}}')
            assert len(bomb) < 100_000  # 50 MB once inflated
            bot.sandbox.add_fault(Fault(route="*", body=bomb, headers={"Content-Encoding": "gzip"}))
        card, elapsed = timed_lookup(bot, f"email:{JANE}")
        assert "This profile is too large for the bot to show" in card_text(card)
        assert "Open it in Segment" in card_text(card)
        only_record(mark, action="lookup", outcome="too_large")
        assert elapsed < bot.settings.lookup_deadline_seconds + 1.0
        if case == "lying_content_length":
            assert 1 <= liar.requests <= 6  # one per route, none retried
        else:
            assert set(requests_per_call(bot).values()) == {1}
