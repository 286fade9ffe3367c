"""Slack Web API clients and safe descriptions of their failures (codes, never response bodies)."""

from __future__ import annotations

import math
import socket
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

# Slack calls made while a person waits for an ack (views.open, the access check on a cold cache)
# must be short; calls made from jobs may take a little longer.
ACK_PATH_TIMEOUT_SECONDS = 2
JOB_TIMEOUT_SECONDS = 10


def make_web_client(
    token: str | None, base_url: str, *, timeout: int, retry: bool = True
) -> WebClient:
    """A WebClient for `token` at `base_url` (retry: slack_sdk's connection retry)."""
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=None if retry else [],
    )


def error_code(exc: BaseException) -> str:
    """Slack's error code (`ratelimited`, `missing_scope`…) or a transport class; no PII."""
    if isinstance(exc, SlackApiError):
        response = exc.response
        code = response.get("error") if response is not None else None
        if isinstance(code, str) and code:
            return code[:64]
        status = getattr(response, "status_code", None)
        return f"http_{status}" if status else "slack_api_error"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timeout"
    if isinstance(exc, URLError) and isinstance(exc.reason, TimeoutError | socket.timeout):
        return "timeout"
    if isinstance(exc, OSError):
        return "connection_error"
    return type(exc).__name__


def retry_after_seconds(exc: BaseException, *, default: float = 30.0, cap: float = 600.0) -> float:
    """Seconds Slack asked us to wait (Retry-After), within (0, cap]; `default` when absent/bad."""
    if not isinstance(exc, SlackApiError) or exc.response is None:
        return default
    headers = getattr(exc.response, "headers", None) or {}
    raw = None
    for name, value in dict(headers).items():
        if str(name).lower() == "retry-after":
            raw = value[0] if isinstance(value, list | tuple) and value else value
    try:
        seconds = float(str(raw))
    except (TypeError, ValueError):
        return default
    if not math.isfinite(seconds) or seconds <= 0:
        return default
    return min(seconds, cap)
