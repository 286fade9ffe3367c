"""Parsing a Profile API request: the path's parts and the Basic credentials."""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass
from email.message import Message


@dataclass(frozen=True)
class ProfileTarget:
    """The raw (still percent-encoded) parts of a profile route path."""

    space: str
    collection: str
    segment: str
    route: str


def parse_path(raw_path: str) -> ProfileTarget | None:
    """Split `/v1/spaces/S/collections/C/profiles/SEG/ROUTE`, or None for any other path."""
    parts = raw_path.split("/")
    # "", "v1", "spaces", S, "collections", C, "profiles", SEGMENT, ROUTE
    if len(parts) != 9 or parts[0] != "" or parts[1:3] != ["v1", "spaces"]:
        return None
    if parts[4] != "collections" or parts[6] != "profiles" or not parts[7]:
        return None
    return ProfileTarget(space=parts[3], collection=parts[5], segment=parts[7], route=parts[8])


def basic_auth_token(headers: Message) -> str | None:
    """The username of a Basic header whose password is blank, else None."""
    value = headers.get("Authorization") or ""
    scheme, _, encoded = value.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    # Segment wants the token as the username and a blank password (`token:`).
    return username if sep and password == "" else None


def new_request_id() -> str:
    """A random id for the `Request-Id` header, like `1111-2222-3333-4444`."""
    raw = secrets.token_hex(8)
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))
