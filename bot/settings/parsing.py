"""Small typed parsers for environment values; each failure names the setting."""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, MultiFernet

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it and says how to fix it."""

    def __init__(self, name: str, problem: str, fix: str) -> None:
        self.setting = name
        self.problem = problem
        self.fix = fix
        super().__init__(f"{name}: {problem}. {fix}")


def _error(name: str, problem: str, fix: str) -> SettingsError:
    return SettingsError(name, problem, fix)


def parse_csv(raw: str | None) -> tuple[str, ...]:
    """Split a comma-separated value into trimmed, non-empty items."""
    if not raw:
        return ()
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def parse_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    """Parse true/false/yes/no/1/0; anything else is an error naming the setting."""
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise _error(name, f"is {raw!r}, not a yes/no value", "Use true or false")


def parse_int(env: Mapping[str, str], name: str, default: int, *, low: int, high: int) -> int:
    """Parse a whole number within [low, high]."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _error(
            name, f"is {raw!r}, not a whole number", f"Use a number from {low} to {high}"
        ) from None
    if not low <= value <= high:
        raise _error(name, f"is {value}, out of range", f"Use a number from {low} to {high}")
    return value


def parse_float(
    env: Mapping[str, str], name: str, default: float, *, low: float, high: float
) -> float:
    """Parse a finite number within [low, high]."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise _error(
            name, f"is {raw!r}, not a number", f"Use a number from {low:g} to {high:g}"
        ) from None
    if not math.isfinite(value) or not low <= value <= high:
        raise _error(name, f"is {raw!r}, out of range", f"Use a number from {low:g} to {high:g}")
    return value


def parse_labelled_keys(
    env: Mapping[str, str], name: str, default: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, str], ...]:
    """Parse `key` or `key=Label` items; a bare key gets a label made from it."""
    items = parse_csv(env.get(name))
    if not items:
        return default
    result: list[tuple[str, str]] = []
    for item in items:
        key, _, label = item.partition("=")
        key = key.strip()
        if not key:
            raise _error(
                name, f"has an item {item!r} with no trait key", "Write items as key or key=Label"
            )
        result.append((key, label.strip() or key.replace("_", " ").capitalize()))
    return tuple(result)


def parse_source_names(raw: str | None) -> tuple[tuple[str, str], ...]:
    """PROFILE_SOURCE_NAMES: `source_id=Name` items, comma-separated."""
    name = "PROFILE_SOURCE_NAMES"
    fix = "Write items as source_id=Name, comma-separated (e.g. qwerty1234=Salesforce)"
    result: dict[str, str] = {}
    for item in parse_csv(raw):
        source, sep, label = (part.strip() for part in item.partition("="))
        if not sep or not source or not label:
            raise _error(name, f"has an item {item!r} without a source id and a name", fix)
        if source in result:
            raise _error(name, f"names source {source!r} twice", fix)
        result[source] = label
    return tuple(result.items())


# The values .env.example ships with, and the shapes of other placeholders ("xoxb-your-token",
# "spa_your_space", "<token>", "changeme"): a copied example that was never filled in must not
# start a bot that looks healthy and then fails every lookup.
_PLACEHOLDER = re.compile(r"(^|[-_:/])your([-_]|$)|^<.*>$|^changeme$|^replace[-_]?me$", re.I)


def is_placeholder(value: str) -> bool:
    """True for a value that is still a placeholder such as `xoxb-your-bot-token`."""
    return bool(_PLACEHOLDER.search(value.strip()))


def parse_event_properties(raw: str | None, name: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """`Event Name=prop,prop; Other Event=prop` as ((event name, (property, ...)), ...).

    Events are separated by `;` (event names may hold spaces and commas do not appear in them
    often, but properties are comma-separated); each event name is matched case-insensitively.
    """
    fix = (
        "Write it as Event Name=property,property; Other Event=property (for example "
        "Order Completed=order_id,total;Page Viewed=path)"
    )
    result: list[tuple[str, tuple[str, ...]]] = []
    seen: set[str] = set()
    for item in (raw or "").split(";"):
        if not item.strip():
            continue
        event, sep, props = item.rpartition("=")
        event = " ".join(event.split())
        keys = parse_csv(props)
        if not sep or not event:
            raise _error(name, f"has an item {item.strip()!r} with no event name", fix)
        if not keys:
            raise _error(name, f"names no properties for {event!r}", fix)
        if event.casefold() in seen:
            raise _error(name, f"names {event!r} twice", "Name each event once")
        seen.add(event.casefold())
        result.append((event, keys))
    return tuple(result)


def is_loopback_host(host: str) -> bool:
    """True for localhost and loopback IP addresses (the only hosts allowed over plain http)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def validate_base_url(name: str, url: str) -> str:
    """Return the URL with a trailing slash; refuse userinfo, queries, non-https but loopback."""
    parts = urlsplit(url)
    fix = f"Set {name} to an https:// URL such as the default, or unset it"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _error(name, "is not an http(s) URL with a host", fix)
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise _error(name, "carries user:password@ before the host, which is refused", fix)
    if parts.query or parts.fragment:
        raise _error(name, "has a ?query or #fragment, which is refused", fix)
    if parts.scheme != "https" and not is_loopback_host(parts.hostname):
        raise _error(name, "must use https:// (plain http is allowed only for loopback)", fix)
    try:
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise _error(name, "has a malformed port", fix) from exc
    return url.rstrip("/") + "/"


def parse_encryption_key(raw: str | None) -> MultiFernet | None:
    """Fernet keys from PROFILE_CACHE_ENCRYPTION_KEY (comma-separated, newest first), or None."""
    if raw is None or not raw.strip():
        return None
    keys = [part.strip() for part in raw.split(",") if part.strip()]
    fernets: list[Fernet] = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key))
        except (ValueError, TypeError):
            # Never echo the value: it is a secret.
            raise SettingsError(
                "PROFILE_CACHE_ENCRYPTION_KEY",
                f"key {position} of {len(keys)} is not a Fernet key",
                "Use a Fernet key: 32 random bytes in url-safe base64 (44 characters ending in"
                " '='), made with: python -c \"from cryptography.fernet import Fernet; "
                'print(Fernet.generate_key().decode())". To rotate, list the new key first and'
                " the old one after it, comma-separated",
            ) from None
    return MultiFernet(fernets)


_REDIS_SCHEMES = ("redis", "rediss", "unix")


def validate_redis_url(url: str) -> str:
    """REDIS_URL, checked for a scheme and port Redis understands (the URL is never echoed)."""
    fix = "Use redis://[:password@]host:6379/0, rediss://… for TLS, or unix:///path/to/redis.sock"
    parts = urlsplit(url)
    if parts.scheme not in _REDIS_SCHEMES:
        raise _error("REDIS_URL", "is not a redis://, rediss:// or unix:// URL", fix)
    try:
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise _error("REDIS_URL", "could not be parsed", fix) from None
    if parts.scheme != "unix" and not parts.hostname:
        raise _error("REDIS_URL", "names no host", fix)
    return url
