"""Audit trail of who looked up whom: one JSON line per record, identifiers only as keyed hashes."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import sys
import threading
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

from bot.identifiers import Identifier
from bot.logs import redact_text
from bot.settings import Settings

__all__ = ["HASH_HEX_CHARS", "AuditLog", "identifier_hash", "new_request_id"]

HASH_HEX_CHARS = 32  # 128 bits of HMAC-SHA256: plenty to tell identifiers apart, shorter lines
MAX_DETAIL_CHARS = 200
MAX_FIELD_CHARS = 64

_log = logging.getLogger(__name__)


def identifier_hash(key: str | bytes, ident: Identifier | str) -> str:
    """HMAC-SHA256 of `type:value` (or of the given text) under `key`, as 32 hex characters."""
    key_bytes = key.encode("utf-8") if isinstance(key, str) else key
    if not key_bytes:
        raise ValueError("an identifier hash needs a non-empty key")
    text = ident.display() if isinstance(ident, Identifier) else ident
    digest = hmac.new(key_bytes, text.encode("utf-8", "surrogatepass"), hashlib.sha256)
    return digest.hexdigest()[:HASH_HEX_CHARS]


def new_request_id() -> str:
    """A fresh random correlation id (32 hex characters)."""
    return uuid.uuid4().hex


def _utc_now() -> datetime:
    return datetime.now(UTC)


class AuditLog:
    """Writes audit records to a text stream (stdout by default) or an append-only file.

    This is deliberately not a `logging` logger: the audit trail is a separate record with its own
    sink, retention and readers, and it must not be dropped, filtered or reformatted by log
    configuration. It never carries trait values, tokens or (unless configured) identifier values.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        hash_key: str,
        clear_identifiers: bool = False,
        clock: Callable[[], datetime] = _utc_now,
        owns_stream: bool = False,
    ) -> None:
        if not hash_key:
            raise ValueError("the audit log needs a non-empty hash key")
        self._stream = stream
        self._hash_key = hash_key
        self._clear = clear_identifiers
        self._clock = clock
        self._owns_stream = owns_stream
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> AuditLog:
        """Stdout, or the file named by AUDIT_LOG_PATH (appended to, created with mode 0600)."""
        if settings.audit_log_path is None:
            return cls(
                hash_key=settings.identifier_hash_key,
                clear_identifiers=settings.audit_clear_identifiers,
            )
        return cls.to_file(
            settings.audit_log_path,
            hash_key=settings.identifier_hash_key,
            clear_identifiers=settings.audit_clear_identifiers,
        )

    @classmethod
    def to_file(cls, path: str, *, hash_key: str, clear_identifiers: bool = False) -> AuditLog:
        """An audit log appending whole lines to `path` (line-buffered)."""
        # The file holds who-looked-up-whom (personal data): readable by the bot's user only.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        stream = os.fdopen(fd, "a", buffering=1, encoding="utf-8")
        return cls(stream, hash_key=hash_key, clear_identifiers=clear_identifiers, owns_stream=True)

    def record(
        self,
        *,
        action: str,
        outcome: str,
        entry_point: str,
        team_id: str | None,
        user_id: str | None,
        channel_id: str | None,
        identifier: Identifier | None = None,
        sections: Sequence[str] = (),
        request_id: str | None = None,
        detail: str | None = None,
        cached: bool | None = None,
        workflow_execution_id: str | None = None,
    ) -> None:
        """Append one record; a failing sink is reported on the log, never raised to the caller."""
        entry: dict[str, Any] = {
            "ts": _iso_utc(self._clock()),
            "request_id": _short(request_id) if request_id else new_request_id(),
            "action": _short(action),
            "outcome": _short(outcome),
            "entry_point": _short(entry_point),
            "team_id": _short(team_id),
            "user_id": _short(user_id),
            "channel_id": _short(channel_id),
            "id_type": identifier.type if identifier else None,
            "id_hash": identifier_hash(self._hash_key, identifier) if identifier else None,
        }
        if self._clear and identifier is not None:
            entry["id_value"] = identifier.value
        if workflow_execution_id is not None:  # only runs of the workflow step carry one
            entry["workflow_execution_id"] = _short(workflow_execution_id)
        entry["sections"] = [_short(s) for s in sections]
        entry["cached"] = cached
        entry["detail"] = redact_text(detail)[:MAX_DETAIL_CHARS] if detail else None
        # ASCII-only JSON: a lone surrogate or odd byte can never make the line unwritable.
        line = json.dumps(entry, ensure_ascii=True, separators=(",", ":")) + "\n"
        try:
            with self._lock:
                stream = self._stream if self._stream is not None else sys.stdout
                stream.write(line)
                stream.flush()
        except (OSError, ValueError) as exc:
            _log.error("audit record could not be written (%s)", type(exc).__name__)

    def close(self) -> None:
        """Close the file this log opened (a stream passed in is left open)."""
        with self._lock:
            if self._owns_stream and self._stream is not None:
                self._stream.close()


def _iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _short(value: str | None) -> str | None:
    return None if value is None else str(value)[:MAX_FIELD_CHARS]
