"""Read a streamed response body under a deadline and a cap on decoded bytes."""

from __future__ import annotations

import zlib
from collections.abc import Callable

import httpx

from bot.segment.errors import ErrorKind, ProfileApiError

# We ask for gzip only and decompress it ourselves with a bounded output size: httpx's own
# decoders expand each network chunk in one go, so a compression bomb would balloon first.
ACCEPT_ENCODING = "gzip"


def _too_large(status: int, request_id: str | None) -> ProfileApiError:
    return ProfileApiError(
        ErrorKind.TOO_LARGE, "response body over the size cap", status=status, request_id=request_id
    )


def _decompressor(encoding: str, status: int, request_id: str | None) -> zlib._Decompress | None:
    coding = encoding.strip().lower()
    if coding in ("", "identity"):
        return None
    if coding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if coding == "deflate":
        return zlib.decompressobj()
    raise ProfileApiError(
        ErrorKind.MALFORMED,
        "unsupported content encoding",
        status=status,
        request_id=request_id,
    )


def read_body(
    response: httpx.Response,
    *,
    deadline: float,
    max_bytes: int,
    clock: Callable[[], float],
    request_id: str | None,
) -> bytes:
    """The decoded body; TOO_LARGE past `max_bytes`, TIMEOUT once the deadline has passed.

    The deadline is checked after every network chunk, so a server trickling one byte a second
    is cut off within one chunk interval (itself bounded by the per-attempt read timeout).
    """
    status = response.status_code
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and len(declared) < 20 and int(declared) > max_bytes:
        raise _too_large(status, request_id)
    decoder = _decompressor(response.headers.get("content-encoding", ""), status, request_id)
    chunks: list[bytes] = []
    total = 0
    for raw in response.iter_raw():
        data = raw
        while data:
            if decoder is None:
                piece, data = data, b""
            else:
                try:
                    piece = decoder.decompress(data, max_bytes - total + 1)
                except zlib.error:
                    raise ProfileApiError(
                        ErrorKind.MALFORMED,
                        "compressed body is corrupt",
                        status=status,
                        request_id=request_id,
                    ) from None
                data = decoder.unconsumed_tail
            total += len(piece)
            if total > max_bytes:
                raise _too_large(status, request_id)
            chunks.append(piece)
        if clock() >= deadline:
            raise ProfileApiError(
                ErrorKind.TIMEOUT,
                "response still arriving at the deadline",
                status=status,
                request_id=request_id,
            )
    if decoder is not None:
        try:
            tail = decoder.flush()
        except zlib.error:
            tail = b""
        total += len(tail)
        if total > max_bytes:
            raise _too_large(status, request_id)
        chunks.append(tail)
    return b"".join(chunks)
