"""Suite-wide log hygiene guard: capture every log record of the test run, then look for leaks.

How records are captured. `logging.Logger.callHandlers` is wrapped for the whole session. Every
record any logger decides to emit goes through it exactly once, before any handler runs, so a
logger with its own handlers, `propagate=False`, a handler with a high level or a handler filter
that rewrites the record cannot hide anything. (A handler on the root logger would miss
non-propagating loggers; `logging.lastResort` sees only WARNING and up.) The root logger is put at
level 1 so that loggers left at NOTSET (ours, httpx's, httpcore's, slack_sdk's) create records at
every level; Bolt copies the root level onto its loggers when an App is built, so they follow. The
level is re-asserted before each test in case a test changed it. A logger filter that drops or
rewrites a record before `callHandlers` (e.g. bot.segment.log_filter on httpx) is part of the
code under test: what it drops never exists anywhere.

What is looked for.
- In every record at every level: the test secrets of tests/support/secrets.py (as written,
  percent-encoded, or as a Basic credential) and anything shaped like a Slack token.
- In every record the bot's production handler would write (not dropped by
  bot.logs.LOGGER_FLOORS), also: email addresses, phone numbers, response_urls, and the
  identifier values and PII-looking trait values of bot/sandbox/data/customers.json. Library
  records that production drops before any output (httpx's INFO request lines, slack_sdk's DEBUG
  request/response bodies, Bolt's DEBUG ack bodies and INFO bad-signature line) carry PII by the
  libraries' design; they are checked for secrets only.

Cost: one `getMessage()` per record and a set lookup; each distinct message is scanned once
(secrets at once, PII at session end, when customers.json is read).
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

from bot.logs import is_below_floor
from bot.sandbox.credentials import SECRETS

CUSTOMERS_PATH = Path(__file__).resolve().parents[2] / "bot" / "sandbox" / "data" / "customers.json"
OUTSIDE_TESTS = "<outside any test>"
CAPTURE_LEVEL = 1

_TOKEN = re.compile(r"\b(?:xox[a-z]-[A-Za-z0-9-]{6,}|xapp-[0-9]-[A-Za-z0-9-]{6,})")
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?i)(?<![\w+])(?:\+|%2B)[1-9](?:[\s\-.()]?\d){6,14}(?!\d)")
_SEP = r"(?:/|\\/|%2F)"
_RESPONSE_URL = re.compile(
    rf"(?i)hooks\.slack\.com|{_SEP}response{_SEP}[A-Za-z0-9_-]{{4,}}"
    rf"|{_SEP}(?:commands|actions){_SEP}T[A-Z0-9]+{_SEP}"
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_BARE_MARKUP = re.compile(r"<[^<>]*>")  # "<!channel>" alone is Slack syntax, not a fingerprint
_IDENTIFIER_KEYS = frozenset({"primary", "segment_id", "group_id", "id", "user_id", "anonymous_id"})
_TRAIT_SECTIONS = frozenset({"traits", "computed_traits"})
_MAX_NEEDLE = 48
# ASCII-only lowering keeps every offset the same (str.lower() can change the length).
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _lower(text: str) -> str:
    return text.translate(
        _ASCII_LOWER
    )  # long values: their first 48 characters are enough to recognise them


@dataclass
class Captured:
    """Where a distinct message was first seen, and how often."""

    logger: str
    level: str
    nodeid: str
    emitted: bool
    count: int = 1
    secret_kinds: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Finding:
    """One leaking message, with the kinds of secret found and a masked excerpt."""

    kinds: tuple[str, ...]
    captured: Captured
    excerpt: str


@dataclass(frozen=True)
class Needle:
    """A kind of secret and how to find it; `emitted_only`: not looked for in dropped records."""

    kind: str
    search: Callable[[str, str], Iterator[tuple[int, int]]]  # (text, text.lower()) → spans
    emitted_only: bool


def _regex_needle(kind: str, pattern: re.Pattern[str], emitted_only: bool) -> Needle:
    return Needle(kind, lambda text, _: (m.span() for m in pattern.finditer(text)), emitted_only)


def _literal_needle(kind: str, values: Iterable[str], emitted_only: bool, bounded: bool) -> Needle:
    """Substring search (fast prefilter), optionally confirmed as a whole token."""
    forms = sorted({_lower(form) for v in values for form in _forms(v)}, key=len, reverse=True)

    def search(text: str, lowered: str) -> Iterator[tuple[int, int]]:
        for form in forms:
            start = lowered.find(form)
            while start != -1:
                end = start + len(form)
                if not bounded or (_edge_ok(lowered, start - 1) and _edge_ok(lowered, end)):
                    yield start, end
                start = lowered.find(form, start + 1)

    return Needle(kind, search, emitted_only)


def _edge_ok(text: str, index: int) -> bool:
    return index < 0 or index >= len(text) or not (text[index].isalnum() or text[index] == "_")


def _forms(value: str) -> set[str]:
    """The value as written, percent-encoded (path and form styles) and JSON-escaped."""
    return {value, quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1]}


def secret_needles() -> list[Needle]:
    """Needles for the test secrets and Slack token shapes (checked in every record)."""
    needles = [_regex_needle("a Slack token", _TOKEN, emitted_only=False)]
    for name, value in SECRETS:
        basic = base64.b64encode(f"{value}:".encode()).decode().rstrip("=")
        needles.append(_literal_needle(name, (value, basic), emitted_only=False, bounded=False))
    return needles


def pii_needles(customers_path: Path = CUSTOMERS_PATH) -> list[Needle]:
    """Needles for emails, phones, response_urls and customers.json values (emitted records)."""
    needles = [
        _regex_needle("an email address", _EMAIL, emitted_only=True),
        _regex_needle("a phone number", _PHONE, emitted_only=True),
        _regex_needle("a response_url", _RESPONSE_URL, emitted_only=True),
    ]
    if customers_path.is_file():
        identifiers, traits = customer_values(json.loads(customers_path.read_text("utf-8")))
        needles.append(_literal_needle("a customer identifier value", identifiers, True, True))
        needles.append(_literal_needle("a customer trait value", traits, True, True))
    return needles


def customer_values(data: Any) -> tuple[set[str], set[str]]:
    """(identifier values, PII-looking trait values) found anywhere in the sandbox data."""
    identifiers: set[str] = set()
    traits: set[str] = set()

    def walk(node: Any, key: str, in_traits: bool) -> None:
        if isinstance(node, dict):
            for child_key, child in node.items():
                walk(child, str(child_key), in_traits or child_key in _TRAIT_SECTIONS)
        elif isinstance(node, list):
            for child in node:
                walk(child, key, in_traits)
        elif isinstance(node, str):
            value = node.split(":", 1)[1] if key == "primary" and ":" in node else node
            if _BARE_MARKUP.fullmatch(value.strip()):
                return
            if key in _IDENTIFIER_KEYS and len(value) >= 6:
                identifiers.add(value[:_MAX_NEEDLE])
            elif (in_traits or key == "name") and _looks_personal(value):
                traits.add(value.strip()[:_MAX_NEEDLE])

    walk(data, "", False)
    return identifiers, traits


def _looks_personal(value: str) -> bool:
    """Emails, phones, several words, or text with digits; not dates nor single plain words."""
    text = value.strip()
    if len(text) < 6 or _ISO_DATE.match(text):
        return False
    if _EMAIL.fullmatch(text) or _PHONE.fullmatch(text):
        return True
    # A lone alphabetic word ("enterprise", "Portland") is vocabulary, not a fingerprint.
    return not text.isalpha()


def text_of(record: logging.LogRecord) -> str:
    """The record as a handler would render it: message with args, traceback, stack."""
    try:
        parts = [record.getMessage()]
    except Exception:  # what a handler would do depends on it; look at every piece we can
        parts = [_safe_str(record.msg), _safe_str(record.args)]
    if record.exc_info and record.exc_info[1] is not None:
        parts.append("".join(traceback.format_exception(*record.exc_info)))
    elif record.exc_text:
        parts.append(record.exc_text)
    if record.stack_info:
        parts.append(record.stack_info)
    return "\n".join(parts)


def _safe_str(value: object) -> str:
    try:
        return str(value)
    except Exception:
        return object.__repr__(value)


class LogHygieneGuard:
    """Captures every log record while installed; `findings()` scans what was captured."""

    def __init__(self, customers_path: Path = CUSTOMERS_PATH) -> None:
        self._customers_path = customers_path
        self._secrets = secret_needles()
        self._emitted: dict[str, Captured] = {}
        self._seen: set[int] = set()
        self._secret_hits: dict[str, Captured] = {}
        self._lock = threading.Lock()
        self._local = threading.local()
        self._original: Callable[[logging.Logger, logging.LogRecord], None] | None = None
        self.nodeid = OUTSIDE_TESTS
        self.exempt = False
        self.records = 0

    def install(self) -> None:
        """Wrap Logger.callHandlers and open the root logger to every level."""
        if self._original is not None:
            return
        original = logging.Logger.callHandlers
        guard = self

        def call_handlers(logger: logging.Logger, record: logging.LogRecord) -> None:
            guard.capture(record)
            original(logger, record)

        self._original = original
        logging.Logger.callHandlers = call_handlers  # type: ignore[method-assign]
        logging.getLogger().setLevel(CAPTURE_LEVEL)

    def uninstall(self) -> None:
        """Put Logger.callHandlers back."""
        if self._original is not None:
            logging.Logger.callHandlers = self._original  # type: ignore[method-assign]
            self._original = None

    def begin_test(self, nodeid: str, *, exempt: bool) -> None:
        """Attribute what follows to this test; re-open the root level if a test closed it."""
        self.nodeid, self.exempt = nodeid, exempt
        root = logging.getLogger()
        if root.level != CAPTURE_LEVEL:
            root.setLevel(CAPTURE_LEVEL)

    def end_test(self) -> None:
        """Records from now on belong to no test."""
        self.nodeid, self.exempt = OUTSIDE_TESTS, False

    def capture(self, record: logging.LogRecord) -> None:
        """Remember one record (never raises: logging must go on)."""
        if self.exempt or getattr(self._local, "busy", False):
            return
        self._local.busy = True
        try:
            self._capture(record)
        except Exception as exc:  # a guard bug must be visible, not swallowed
            self._remember_failure(exc)
        finally:
            self._local.busy = False

    def _capture(self, record: logging.LogRecord) -> None:
        text = text_of(record)
        emitted = not is_below_floor(record.name, record.levelno)
        key = hash((text, emitted))
        with self._lock:
            self.records += 1
            if key in self._seen:
                found = self._emitted.get(text) if emitted else self._secret_hits.get(text)
                if found is not None:
                    found.count += 1
                return
            self._seen.add(key)
        captured = Captured(record.name, record.levelname, self.nodeid, emitted)
        if emitted:
            with self._lock:
                self._emitted[text] = captured
            return
        lowered = _lower(text)
        kinds = [n.kind for n in self._secrets if next(n.search(text, lowered), None)]
        if kinds:
            captured.secret_kinds = kinds
            with self._lock:
                self._secret_hits[text] = captured

    def _remember_failure(self, exc: Exception) -> None:
        text = f"log hygiene guard failed on a record: {type(exc).__name__}"
        with self._lock:
            self._secret_hits.setdefault(
                text, Captured("tests.support.log_hygiene", "ERROR", self.nodeid, False)
            ).secret_kinds = ["a guard failure (the record could not be checked)"]

    def findings(self) -> list[Finding]:
        """Every distinct leaking message, with masked excerpts."""
        needles = self._secrets + pii_needles(self._customers_path)
        with self._lock:
            emitted = list(self._emitted.items())
            dropped = list(self._secret_hits.items())
        results = [_finding(text, cap, needles) for text, cap in emitted]
        results += [_finding(text, cap, self._secrets) for text, cap in dropped]
        return [f for f in results if f.kinds]

    @property
    def distinct_messages(self) -> int:
        """How many different messages were captured."""
        return len(self._seen)


def _finding(text: str, captured: Captured, needles: list[Needle]) -> Finding:
    spans: list[tuple[int, int, str]] = []
    kinds: list[str] = list(captured.secret_kinds)
    lowered = _lower(text)
    for needle in needles:
        hits = [(s, e, needle.kind) for s, e in needle.search(text, lowered)]
        if hits and needle.kind not in kinds:
            kinds.append(needle.kind)
        spans += hits
    return Finding(tuple(kinds), captured, mask(text, spans))


def mask(text: str, spans: list[tuple[int, int, str]], limit: int = 400) -> str:
    """`text` with each span replaced by <kind>, on one line, cut to `limit` characters."""
    out: list[str] = []
    position = 0
    for start, end, kind in sorted(spans):
        if start < position:  # overlapping span: already masked
            position = max(position, end)
            continue
        out.append(text[position:start])
        out.append(f"<{kind}>")
        position = end
    out.append(text[position:])
    flat = " ".join("".join(out).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def report(findings: list[Finding]) -> list[str]:
    """Human-readable lines for the terminal; never shows a found value."""
    lines = [
        f"{len(findings)} distinct log message(s) leak secrets or PII. Fix the code that logs "
        "them, or mark a test that leaks on purpose with @pytest.mark.log_hygiene_exempt.",
    ]
    for finding in findings:
        cap = finding.captured
        lines.append(
            f"- {cap.nodeid}: logger {cap.logger!r} {cap.level} (x{cap.count}) holds "
            + ", ".join(finding.kinds)
        )
        lines.append(f"    {finding.excerpt}")
    return lines
