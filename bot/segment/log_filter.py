"""Keep the identifier out of httpx's request log lines, whatever the log level."""

from __future__ import annotations

import logging
import re
import threading

# httpx logs `HTTP Request: GET https://…/profiles/email:jane%40example.com/traits "…"` at INFO.
_PROFILE_SEGMENT = re.compile(r"(/profiles/)[^/?#\s\"']+")
REDACTED = "<redacted>"
# httpx logs through "httpx"; httpcore through these children (filters do not inherit).
HTTP_LOGGERS = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
)
_install_lock = threading.Lock()


def redact_profile_paths(text: str) -> str:
    """Replace the `type:value` segment after `/profiles/` with `<redacted>`."""
    return _PROFILE_SEGMENT.sub(rf"\g<1>{REDACTED}", text)


class ProfilePathRedactor(logging.Filter):
    """Rewrites a record whose message holds a profile path; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the formatted message in place (args are folded into msg)."""
        try:
            message = record.getMessage()
        except Exception:  # a broken record is the logging module's problem, not ours
            return True
        redacted = redact_profile_paths(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        return True


def install_http_log_redaction() -> None:
    """Attach one ProfilePathRedactor to each httpx/httpcore logger (idempotent)."""
    with _install_lock:
        for name in HTTP_LOGGERS:
            logger = logging.getLogger(name)
            if not any(isinstance(f, ProfilePathRedactor) for f in logger.filters):
                logger.addFilter(ProfilePathRedactor())
