"""Process logging: one handler whose filters drop PII-heavy library records and scrub the rest."""

from __future__ import annotations

import base64
import logging
import re
import sys
import time
from collections.abc import Iterable, Mapping
from typing import TextIO
from urllib.parse import quote, unquote, urlsplit

from bot.settings import Settings

__all__ = [
    "LOGGER_FLOORS",
    "LevelFloorFilter",
    "RedactingFilter",
    "configure_logging",
    "configured_secrets",
    "is_below_floor",
    "redact_text",
]

# Library records below these levels never reach the output, whatever LOG_LEVEL says, because of
# what they carry: httpx logs every request URL at INFO (the identifier is in the Profile API
# path); slack_sdk logs request/response bodies at DEBUG (cards with trait values, users.info
# emails) and retried response_urls at INFO; Bolt logs ack bodies at DEBUG and, on a bad
# signature, the whole request body (typed text, response_url) at INFO. The level is enforced by
# a handler filter, not only by Logger.setLevel: Bolt copies the root level onto each of its
# loggers when an App is built (slack_bolt/logger/__init__.py `_configure_from_root`).
LOGGER_FLOORS: Mapping[str, int] = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "slack_sdk": logging.WARNING,
    "slack_bolt": logging.INFO,
    "slack_bolt.RequestVerification": logging.WARNING,
    "slack_bolt.AsyncRequestVerification": logging.WARNING,
}
_VERIFICATION_LOGGERS = ("slack_bolt.RequestVerification", "slack_bolt.AsyncRequestVerification")
_HANDLER_MARK = "_profile_bot_handler"
_FAILED = "[log message withheld: redaction failed]"
_MIN_SECRET_LENGTH = 4

_SEP = r"(?:/|\\/|%2F)"  # a path separator, raw, JSON-escaped or percent-encoded
_STOP = r"[^\s\"'<>&|]"  # characters a URL in running text is made of
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Bolt's bad-signature line carries the signature and the raw body (typed text, response_url).
    (re.compile(r"(Invalid request signature detected).*", re.S), r"\1 (details withheld)"),
    (re.compile(r"\b(xox[a-z]|xapp)-[A-Za-z0-9-]+"), r"\1-[redacted]"),
    (
        re.compile(r"(?i)\b((?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?)[^\"'\r\n,}]+"),
        r"\1[redacted]",
    ),
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{6,}"), r"\1 [redacted]"),
    (
        re.compile(r"(?i)\b(basic)\s+(?=[A-Za-z0-9+/=]*[0-9+/=])[A-Za-z0-9+/=]{6,}"),
        r"\1 [redacted]",
    ),
    (
        re.compile(
            r"(?i)(?<![a-z0-9])((?:[a-z]+[_-])*(?:token|secret|password|passwd|api_?key)"
            r"(?:[_-]?key)?[\"']?"
            r"\s*[:=]\s*[\"']?)(?!\[redacted)[^\s\"'&,;}]+"
        ),
        r"\1[redacted]",
    ),
    # response_urls and other Slack webhook URLs: bearer capabilities for a channel.
    (
        re.compile(
            rf"(?i)https?(?::|%3A){_SEP}{_SEP}{_STOP}*?(?:hooks\.slack\.com|"
            rf"{_SEP}(?:response|commands|actions|services|workflows|triggers){_SEP}){_STOP}*"
        ),
        "[response_url]",
    ),
    (re.compile(rf"(?i)(profiles{_SEP})[^/\s\"'?#<>\\]+"), r"\1[id]"),
    # Anything labelled a body (slack_sdk, Bolt): what people typed and profile data.
    (
        re.compile(r"(?i)\b((?:request |response )?body(?:_params)?|json_body)\s*:\s*\S[^\n]*"),
        r"\1: [withheld]",
    ),
    (
        re.compile(r"[A-Za-z0-9._%+'-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
        "[email]",
    ),
    (re.compile(r"(?i)(?<![\w+])(?:\+|%2B)[1-9](?:[\s\-.()]?\d){6,14}(?!\d)"), "[phone]"),
)


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with tokens, credentials, response_urls, emails, phones and `secrets` masked."""
    for secret in secrets:
        text = text.replace(secret, "[redacted]")
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _secret_forms(secrets: Iterable[str]) -> tuple[str, ...]:
    """Each secret as written, percent-encoded and as the Basic credential `base64(secret:)`."""
    forms: set[str] = set()
    for secret in secrets:
        if len(secret) < _MIN_SECRET_LENGTH:
            continue  # an empty signing secret (Socket Mode) must not match everywhere
        forms.add(secret)
        forms.add(quote(secret, safe=""))
        forms.add(base64.b64encode(f"{secret}:".encode()).decode("ascii").rstrip("="))
    return tuple(sorted(forms, key=len, reverse=True))


class RedactingFilter(logging.Filter):
    """Scrubs each record's formatted message, traceback and stack text; never raises."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = _secret_forms(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place (message with args applied, exc_text) and keep it."""
        if getattr(record, "_profile_bot_redacted", False):
            return True
        try:
            record.msg = redact_text(_message_of(record), self._secrets)
            record.args = None
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            # exc_info would let a later formatter re-render the unscrubbed traceback.
            record.exc_info = None
            if record.exc_text:
                record.exc_text = redact_text(record.exc_text, self._secrets)
            if record.stack_info:
                record.stack_info = redact_text(record.stack_info, self._secrets)
            record.__dict__["_profile_bot_redacted"] = True
        except Exception:  # a broken filter must not kill logging, nor leak what it failed on
            _withhold(record)
        return True


def _message_of(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:  # bad %-args: keep the template, drop the args
        return f"{record.msg} [unformattable arguments withheld]"


def _withhold(record: logging.LogRecord) -> None:
    try:
        record.msg, record.args = _FAILED, None
        record.exc_info, record.exc_text, record.stack_info = None, None, None
    except Exception:  # nothing more can be done for a record that refuses writes
        pass


def is_below_floor(name: str, levelno: int) -> bool:
    """True when LOGGER_FLOORS drops a record of this level from this logger (or a child)."""
    floor = logging.NOTSET
    best = -1
    for prefix, level in LOGGER_FLOORS.items():
        if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > best:
            floor, best = level, len(prefix)
    return levelno < floor


class LevelFloorFilter(logging.Filter):
    """Drops library records below their LOGGER_FLOORS level."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the record unless its logger's floor is above its level."""
        try:
            return not is_below_floor(str(record.name), int(record.levelno))
        except Exception:
            return True


class _BelowWarningFilter(logging.Filter):
    """Attached to Bolt's verification loggers themselves: Bolt resets their level, not filters."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


class _CurrentStderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever sys.stderr is at the time of each record (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def _redis_passwords(url: str | None) -> tuple[str | None, ...]:
    password = urlsplit(url).password if url else None
    return (password, unquote(password)) if password else ()


def configured_secrets(settings: Settings) -> tuple[str, ...]:
    """Every secret value in the settings, to be masked wherever it shows up in a log record."""
    values = (
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        settings.segment_access_token,
        settings.identifier_hash_key,
        # Only the password of a Redis URL is secret; the host is worth seeing in errors.
        # Masked as written in the URL and as sent to Redis (percent-decoded).
        *_redis_passwords(settings.redis_url),
        settings.cache_encryption_key,
    )
    return tuple(v for v in values if v)


def configure_logging(
    level: str, *, stream: TextIO | None = None, secrets: Iterable[str] = ()
) -> logging.Handler:
    """Install the bot's root handler (stderr unless `stream`) with floors and redaction."""
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        raise ValueError(f"unknown log level {level!r}")
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    handler: logging.Handler = (
        _CurrentStderrHandler() if stream is None else logging.StreamHandler(stream)
    )
    setattr(handler, _HANDLER_MARK, True)
    formatter = logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%Y-%m-%dT%H:%M:%SZ"
    )
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.setLevel(numeric)
    handler.addFilter(LevelFloorFilter())
    handler.addFilter(RedactingFilter(secrets))
    root.addHandler(handler)
    root.setLevel(numeric)
    for name, floor in LOGGER_FLOORS.items():
        logging.getLogger(name).setLevel(max(floor, numeric))
    for name in _VERIFICATION_LOGGERS:
        verification = logging.getLogger(name)
        if not any(isinstance(f, _BelowWarningFilter) for f in verification.filters):
            verification.addFilter(_BelowWarningFilter())
    return handler
