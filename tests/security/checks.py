"""Assertions every security scenario makes: what the person saw, what reached Segment and Slack,
the one audit record of the request, and that nothing answered 500 or took too long."""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tests.support.blockkit import live_markup_problems, mrkdwn_texts
from tests.support.harness import COLLEAGUE, JANE, BotHarness, Sent, card_text

# Sanity bound on one ack: Slack gives up after 3 s; benchmarks in bench/ measure the real figure.
ACK_BOUND_SECONDS = 2.0


@dataclass
class Mark:
    """What a bot had done before a step, so a shared bot can tell what the step added."""

    bot: BotHarness
    audit: int
    responses: int

    def new_records(self) -> list[dict[str, Any]]:
        """Audit records written since the mark."""
        return self.bot.audit_records()[self.audit :]

    def new_responses(self) -> list[dict[str, Any]]:
        """Bodies posted to response_urls since the mark."""
        return self.bot.slack.responses()[self.responses :]


def fresh(bot: BotHarness) -> Mark:
    """Let earlier work finish, forget Segment requests, and mark the audit trail."""
    bot.settle()
    bot.sandbox.clear_requests()
    bot.sandbox.clear_faults()
    return Mark(bot, len(bot.audit_records()), len(bot.slack.responses()))


def assert_acked(sent: Sent, bound: float = ACK_BOUND_SECONDS) -> None:
    """HTTP 200 (never a 500) within the sanity bound."""
    assert sent.response.status_code == 200, (sent.response.status_code, sent.response.text[:300])
    assert sent.elapsed < bound, sent.elapsed


def only_record(mark: Mark, timeout: float = 5.0, **match: Any) -> dict[str, Any]:
    """The one audit record the request wrote (exactly one), checked against `match`."""
    bot = mark.bot
    deadline = time.monotonic() + timeout
    while not mark.new_records() and time.monotonic() < deadline:
        time.sleep(0.01)
    bot.settle()
    time.sleep(0.05)  # a second record would be written right after the first
    records = mark.new_records()
    assert len(records) == 1, records
    record = records[0]
    for key, value in match.items():
        assert record.get(key) == value, (key, record)
    return record


def assert_no_record(mark: Mark) -> None:
    """The request wrote no audit record (it never reached a listener)."""
    mark.bot.settle()
    time.sleep(0.05)
    assert mark.new_records() == []


def assert_no_upstream(bot: BotHarness) -> None:
    """Not one request reached the Profile API sandbox."""
    bot.settle()
    assert bot.sandbox.request_count() == 0, [r.path for r in bot.sandbox.requests()]


def assert_nothing_public(bot: BotHarness) -> None:
    """Nothing went to a conversation: no chat.postMessage/postEphemeral, every response_url
    body ephemeral."""
    bot.settle()
    assert bot.slack.calls("chat.postMessage") == []
    assert bot.slack.calls("chat.postEphemeral") == []
    for body in bot.slack.responses():
        assert body.get("response_type") == "ephemeral", body


def assert_markup_inert(card: Any, allowed_mentions: Iterable[str] = ()) -> None:
    """No `<…>` markup from data is live in any mrkdwn text, and every mrkdwn is verbatim."""
    problems = []
    for text, obj in mrkdwn_texts(card):
        if obj.get("verbatim") is not True:
            problems.append(f"not verbatim: {text[:80]!r}")
        problems += live_markup_problems(text, tuple(allowed_mentions))
    assert problems == [], problems


def assert_not_in(card: Any, *needles: str) -> None:
    """None of `needles` occurs anywhere in the card (any text object, value or URL)."""
    text = card_text(card)
    found = [n for n in needles if n in text]
    assert found == [], found


def view_bytes(view: dict[str, Any]) -> int:
    """Size of a view as Slack measures it (we count ASCII-escaped JSON, the worst case)."""
    return len(json.dumps(view, ensure_ascii=True))


THREAD_MESSAGE = {
    "type": "message",
    "user": COLLEAGUE,
    "text": f"Customer <mailto:{JANE}|{JANE}> says the export is broken",
    "ts": "1699999999.000200",
}


def member_card(bot: BotHarness) -> dict[str, Any]:
    """The card a member got for `/profile email:<Jane>` (its buttons carry a valid ref)."""
    sent = bot.post_command(f"email:{JANE}")
    return bot.wait_response(sent.response_url)


def timed_lookup(
    bot: BotHarness, text: str, *, timeout: float = 8.0
) -> tuple[dict[str, Any], float]:
    """`/profile <text>`: the card that reaches the response_url, and seconds until it did."""
    started = time.monotonic()
    sent = bot.post_command(text)
    assert_acked(sent)
    card = bot.wait_response(sent.response_url, timeout=timeout)
    return card, time.monotonic() - started


def requests_per_call(bot: BotHarness) -> Counter[tuple[str, tuple[tuple[str, str], ...]]]:
    """How many times each distinct upstream request (path and query) was sent."""
    return Counter((r.path, tuple(sorted(r.query.items()))) for r in bot.sandbox.requests())


class Warnings(logging.Handler):
    """WARNING and above from one logger: the operator's alerts."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def warnings_of(name: str) -> Iterator[Warnings]:
    """Collect the warnings logger `name` writes inside the block."""
    handler = Warnings()
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
