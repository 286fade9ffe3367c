"""No log record, at any level, shows the identifier, the token or trait values."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest

from bot.sandbox.faults import Fault
from bot.sandbox.profile_api import ProfileApiSandbox
from bot.segment.errors import ProfileApiError
from bot.segment.log_filter import ProfilePathRedactor, install_http_log_redaction
from bot.segment.lookup import ProfileService
from tests.segment.conftest import JANE, TOKEN

ServiceFactory = Callable[..., ProfileService]
LOGGERS = ("", "httpx", "httpcore", "httpcore.connection", "httpcore.http11", "bot")


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def captured() -> Iterator[Capture]:
    handler = Capture()
    saved = {name: logging.getLogger(name).level for name in LOGGERS}
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    try:
        yield handler
    finally:
        logging.getLogger().removeHandler(handler)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def secrets_in(profile_values: list[str]) -> list[str]:
    return ["jane@example.com", "jane%40example.com", "jane%40", TOKEN, *profile_values]


def distinctive_values(service: ProfileService) -> list[str]:
    """Jane's string trait and id values long enough not to occur by chance."""
    profile = service.fetch_profile(JANE).profile
    values = [
        *profile.traits.values(),
        *profile.computed_traits.values(),
        *(i.id for i in profile.external_ids),
        *(v for a in profile.accounts for v in a.traits.values()),
    ]
    return [v for v in values if isinstance(v, str) and len(v) >= 6 and not v[:4].isdigit()]


def test_no_identifier_token_or_values_in_any_log_record(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory, captured: Capture
) -> None:
    service = make_service()
    values = distinctive_values(service)
    assert "Portland" in values and "u_jane_001" in values  # the check below has teeth
    scenarios = [
        Fault(route="traits", status=500, times=1),
        Fault(route="events", status=503),
        Fault(route="external_ids", mode="reset"),
        Fault(route="links", mode="truncated_json"),
        Fault(route="traits", status=404),
        Fault(route="traits", mode="html"),
        Fault(route="traits", status=429),
        Fault(route="traits", status=401),
        Fault(route="*", latency=0.4),
    ]
    for fault in scenarios:
        sandbox.clear_faults()
        sandbox.add_fault(fault)
        fresh = make_service(PROFILE_LOOKUP_DEADLINE_SECONDS="0.5")
        try:
            fresh.fetch_profile(JANE)
        except ProfileApiError as error:
            logging.getLogger("bot.test").warning("lookup failed: %s", error)
    sandbox.clear_faults()
    wrong = make_service(SEGMENT_ACCESS_TOKEN="tok_wrong_but_secret_1234")
    with pytest.raises(ProfileApiError):
        wrong.fetch_profile(JANE)

    assert any("HTTP Request: GET" in line for line in captured.lines)  # httpx did log
    assert any("<redacted>" in line for line in captured.lines)
    leaks = [
        (secret, line)
        for line in captured.lines
        for secret in [*secrets_in(values), "tok_wrong_but_secret_1234"]
        if secret in line
    ]
    assert leaks == []


def test_filter_is_installed_once_and_rewrites_records() -> None:
    install_http_log_redaction()
    install_http_log_redaction()
    filters = [f for f in logging.getLogger("httpx").filters if isinstance(f, ProfilePathRedactor)]
    assert len(filters) == 1
    record = logging.LogRecord(
        "httpx",
        logging.INFO,
        __file__,
        1,
        'HTTP Request: %s %s "%s"',
        (
            "GET",
            "https://h/v1/spaces/s/collections/users/profiles/email:a%40b.co/traits?x=1",
            "200",
        ),
        None,
    )
    assert filters[0].filter(record)
    expected = "https://h/v1/spaces/s/collections/users/profiles/<redacted>/traits?x=1"
    assert record.getMessage() == f'HTTP Request: GET {expected} "200"'
