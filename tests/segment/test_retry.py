"""Retry-After parsing (openai-python's and urllib3's edge cases) and full-jitter backoff."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.segment.retry import MAX_RETRY_AFTER_SECONDS, backoff_delay, parse_retry_after

NOW = parsedate_to_datetime("Fri, 29 Sep 2023 16:26:37 GMT").timestamp()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("20", 20.0),
        ("0", 0.0),
        ("1.5", 1.5),
        (" 7 ", 7.0),
        ("60", 60.0),
        ("Fri, 29 Sep 2023 16:26:57 GMT", 20.0),  # 20 s after NOW
        ("Fri, 29 Sep 2023 16:26:37 GMT", 0.0),  # now
        ("Fri, 29 Sep 2023 16:26:27 GMT", 0.0),  # past → no wait
        ("Fri, 29 Sep 2023 16:27:37 GMT", 60.0),
    ],
)
def test_usable_values(header: str, expected: float) -> None:
    assert parse_retry_after(header, now=NOW) == pytest.approx(expected)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "   ",
        "abc",
        "-10",
        "-0",
        "+5",
        "inf",
        "-inf",
        "Infinity",
        "nan",
        "NaN",
        "1e3",
        "0x10",
        "99999999999999999999999999999999999",  # 35 digits
        "9" * 5000,
        "Zun, 29 Sep 2023 16:26:57 GMT",  # misspelt weekday
        "Fri, 29 Sep 100000 16:26:57 GMT",  # year out of range
        "Fri, 29 Sep 2023 16:26:57",  # no zone: not an HTTP-date
        "Fri, 32 Sep 2023 16:26:57 GMT",
        "Fri, 29 Sep 9999 16:26:57 GMT",  # far future: over the cap
        "1.5.5",
        "\x00",
        "٣",  # a non-ASCII digit
    ],
)
def test_garbage_is_ignored(header: str | None) -> None:
    assert parse_retry_after(header, now=NOW) is None


@given(st.text(max_size=80))
def test_never_raises_and_is_bounded(header: str) -> None:
    value = parse_retry_after(header, now=NOW)
    assert value is None or 0.0 <= value <= MAX_RETRY_AFTER_SECONDS


def test_backoff_is_full_jitter_under_an_exponential_ceiling() -> None:
    assert backoff_delay(0, lambda: 1.0) == pytest.approx(0.2)
    assert backoff_delay(1, lambda: 1.0) == pytest.approx(0.4)
    assert backoff_delay(2, lambda: 1.0) == pytest.approx(0.8)
    assert backoff_delay(3, lambda: 1.0) == pytest.approx(1.5)  # capped
    assert backoff_delay(500, lambda: 1.0) == pytest.approx(1.5)
    assert backoff_delay(2, lambda: 0.5) == pytest.approx(0.4)
    assert backoff_delay(2, lambda: 0.0) == 0.0
    assert backoff_delay(1, lambda: 7.0) == pytest.approx(0.4)  # a broken rng is clamped
