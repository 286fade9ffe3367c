"""Drop a delivery that was already handled: a replayed request, or Slack retrying an event."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltRequest, BoltResponse

from bot.state import DuplicateGuard

logger = logging.getLogger(__name__)

# Longer than Slack's 5-minute signature window, so a replay inside it is always caught.
DUPLICATE_TTL_SECONDS = 600.0


def delivery_keys(req: BoltRequest) -> list[str]:
    """Keys naming this delivery: its signature, and the event id for Events API deliveries."""
    keys: list[str] = []
    timestamp = _header(req, "x-slack-request-timestamp")
    signature = _header(req, "x-slack-signature")
    if timestamp and signature:
        # Hashed so the store never holds a usable signature.
        digest = hashlib.sha256(f"{timestamp}:{signature}".encode()).hexdigest()[:32]
        keys.append(f"sig:{digest}")
    body = req.body if isinstance(req.body, dict) else {}
    event_id = body.get("event_id")
    if isinstance(event_id, str) and event_id:
        # Slack re-signs each retry of an event (X-Slack-Retry-Num), so the event id is what
        # repeats.
        keys.append(f"event:{event_id}")
    trigger_id = body.get("trigger_id")
    if isinstance(trigger_id, str) and trigger_id:
        # Every command, shortcut, click and view submission gets a fresh trigger_id; a
        # redelivery of the same one, re-signed with a new timestamp, repeats it.
        digest = hashlib.sha256(trigger_id.encode()).hexdigest()[:32]
        keys.append(f"trigger:{digest}")
    return keys


def _header(req: BoltRequest, name: str) -> str | None:
    values = req.headers.get(name)
    if not values:
        return None
    first = next(iter(values), None)
    return str(first) if first else None


def _late_answer_retry(req: BoltRequest) -> bool:
    """A re-delivery Slack sent because our answer came late (`http_timeout`): the first copy
    reached the deployment and was acted on (listeners ack before they work), possibly by a
    process whose guard this one cannot see (no Redis). Re-deliveries for other reasons
    (connection_failed, http_error) may be the only copy that arrives, so only the guard above
    drops those."""
    retry = _header(req, "x-slack-retry-num")
    return bool(retry) and _header(req, "x-slack-retry-reason") == "http_timeout"


def make_dedupe_middleware(
    guard: DuplicateGuard, *, ttl: float = DUPLICATE_TTL_SECONDS
) -> Callable[..., Any]:
    """A global Bolt middleware answering an empty 200, with no work, to a repeated delivery."""

    def dedupe(req: BoltRequest, next: Callable[[], None]) -> BoltResponse | None:
        keys = delivery_keys(req)
        # Mark every key (no short-circuit), so a later copy matching any of them is caught.
        seen_before = [not guard.first_time(key, ttl) for key in keys]
        if any(seen_before) or _late_answer_retry(req):
            retry = _header(req, "x-slack-retry-num")
            logger.info("duplicate delivery dropped (retry %s)", retry or "none")
            return BoltResponse(status=200, body="", headers={"X-Slack-No-Retry": "1"})
        next()
        return None

    return dedupe
