"""Typed outcomes of Profile API calls; messages carry no identifier, trait value or token."""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    """Why a Profile API call, or a whole lookup, did not give data."""

    NOT_FOUND = "not_found"  # 404 not_found: no such profile
    UNAUTHORIZED = "unauthorized"  # 401/403: wrong token or space
    INVALID_REQUEST = "invalid_request"  # 400 validation/invalid request
    RATE_LIMITED = "rate_limited"  # 429 past our retries, or our own budget could not wait
    UPSTREAM = "upstream_error"  # 5xx, HTML error pages, connection resets
    TIMEOUT = "timeout"  # the lookup's deadline passed
    MALFORMED = "malformed_response"  # bad JSON, wrong shape, data: null where an object belongs
    TOO_LARGE = "too_large"  # body over the size cap
    CIRCUIT_OPEN = "circuit_open"  # too many recent failures: not calling Segment for a while


class ProfileApiError(Exception):
    """A failed call or lookup. `str()` is safe to log: kind, status and Segment's Request-Id."""

    def __init__(
        self,
        kind: ErrorKind,
        detail: str = "",
        *,
        status: int | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.kind = kind
        self.detail = detail
        self.status = status
        self.request_id = request_id
        self.retry_after = retry_after
        parts = [kind.value]
        if status is not None:
            parts.append(f"HTTP {status}")
        if detail:
            parts.append(detail)
        if request_id:
            parts.append(f"Request-Id {request_id}")
        super().__init__(", ".join(parts))
