"""Loopback response_urls: JSON posts recorded per URL, at most five uses each, as Slack allows."""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox._server import Incoming, Outgoing

MAX_USES = 5
MAX_BLOCKS = 50


@dataclass
class _ResponseUrl:
    bodies: list[dict[str, Any]] = field(default_factory=list)
    uses: int = 0
    failure: tuple[int, str, dict[str, str]] | None = None


class ResponseUrls:
    """Every response_url handed out, keyed by its path, guarded by the sandbox's Condition."""

    def __init__(self, lock: threading.Condition) -> None:
        self._lock = lock
        self._urls: dict[str, _ResponseUrl] = {}
        self._order: list[tuple[str, dict[str, Any]]] = []

    def create(self) -> str:
        """A new path `/response/<random>`."""
        path = f"/response/{secrets.token_urlsafe(12)}"
        with self._lock:
            self._urls[path] = _ResponseUrl()
        return path

    def fail(
        self, path: str, status: int, body: str, headers: dict[str, str] | None = None
    ) -> None:
        """Answer every later post to `path` with this status, text and extra headers."""
        with self._lock:
            self._urls.setdefault(path, _ResponseUrl()).failure = (status, body, headers or {})

    def bodies(self, path: str | None) -> list[dict[str, Any]]:
        """Accepted bodies for one path, or for all in arrival order."""
        with self._lock:
            if path is None:
                return [body for _, body in self._order]
            entry = self._urls.get(path)
            return list(entry.bodies) if entry else []

    def wait(self, path: str, count: int, timeout: float) -> list[dict[str, Any]]:
        """Block until `count` bodies were accepted for `path`."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self.bodies(path)) >= count, timeout):
                raise TimeoutError(f"expected {count} post(s) to the response_url")
            return self.bodies(path)

    def post(self, incoming: Incoming) -> Outgoing:
        """Handle one request to a response_url."""
        with self._lock:
            entry = self._urls.get(incoming.raw_path)
            if entry is None:
                return _text(404, "no_such_url")
            if entry.failure is not None:
                status, text, headers = entry.failure
                answer = _text(status, text)
                answer.headers.update(headers)
                return answer
            if incoming.method != "POST":
                return _text(405, "method_not_allowed")
            if entry.uses >= MAX_USES:
                return _text(404, "used_up")
            try:
                body = json.loads(incoming.body)
            except ValueError:
                return _text(400, "invalid_payload")
            if not isinstance(body, dict):
                return _text(400, "invalid_payload")
            blocks = body.get("blocks")
            if blocks is not None and (not isinstance(blocks, list) or len(blocks) > MAX_BLOCKS):
                return _text(400, "invalid_blocks")
            entry.uses += 1
            entry.bodies.append(body)
            self._order.append((incoming.raw_path, body))
            self._lock.notify_all()
        return Outgoing(200, b"ok", {"Content-Type": "text/html"})


def _text(status: int, body: str) -> Outgoing:
    return Outgoing(status, body.encode("utf-8"), {"Content-Type": "text/plain; charset=utf-8"})
