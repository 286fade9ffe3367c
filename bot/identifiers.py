"""Parse what a person types, or what a message holds, into a validated `type:value` identifier."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from urllib.parse import quote

MAX_INPUT_LENGTH = 256
ACCOUNT_ID_TYPE = "group_id"
# Words people may type for an id type: `account:acme-corp` is `group_id:acme-corp`.
TYPE_ALIASES = {"account": ACCOUNT_ID_TYPE}
# The id types every Segment space has; admins add their own (PROFILE_EXTRA_ID_TYPES, a phone type).
BUILTIN_ID_TYPES: tuple[str, ...] = ("user_id", "email", "anonymous_id", ACCOUNT_ID_TYPE)
PROFILE_ROUTES = frozenset({"traits", "events", "external_ids", "links", "metadata"})

# Unicode categories that never belong in an identifier: controls, format characters (bidi
# overrides, zero-width), surrogates, private use, unassigned, line and paragraph separators.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_SLACK_WRAPPED = re.compile(r"<(mailto|tel):([^|<>]*)(?:\|[^<>]*)?>", re.IGNORECASE)
_SLACK_MARKUP = re.compile(r"<[^<>]*>")
_TYPE = re.compile(r"^[a-z][a-z0-9_.]{0,63}$")
_EMAIL = re.compile(r"^[\w.+'&=^!$-]+@[\w-]+(?:\.[\w-]+)+$")
_PHONE_SEPARATORS = re.compile(r"[\s\-.()]")
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_BARE_PHONE = re.compile(r"^\+[0-9][0-9\s\-.()]{5,24}$")
# A value for an opaque id type: no path, query, fragment or escape characters, no spaces.
_FORBIDDEN_ID_CHARS = re.compile(r"[/?#%\\\s<>\"`]")

_SCAN_EMAIL = re.compile(r"(?<![\w.+-])[\w.+'-]+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}")
_SCAN_PHONE = re.compile(r"(?<![\w+])\+[1-9](?:[\s\-.]?[0-9]){6,14}(?![\w])")


class IdentifierError(ValueError):
    """Input that cannot be looked up; `reason` is safe to show to the person who typed it."""

    def __init__(self, reason: str, *, code: str = "invalid") -> None:
        self.reason = reason
        self.code = code
        super().__init__(reason)


@dataclass(frozen=True)
class Identifier:
    """A normalised identifier: a configured id type and a checked, lowercased value.

    Segment documents lowercase queries, but some spaces hold mixed-case ids (its own docs show
    `user_id` `c0HN02fNe1`). So `typed` keeps the value as the person typed it when that differs
    from `value` (a second lookup tries it when the lowercase one finds nobody), and `exact`
    marks that second form: its `value` is the typed one, not lowercased. `typed` takes no part
    in equality: the identity of an identifier is the form that is looked up.
    """

    type: str
    value: str
    typed: str | None = field(default=None, compare=False)
    exact: bool = False

    @classmethod
    def as_typed(cls, id_type: str, typed: str) -> Identifier:
        """The lowercase identifier for a checked value, remembering capitals if it had some."""
        lowered = typed.lower()
        return cls(id_type, lowered, typed if typed != lowered else None)

    def exact_form(self) -> Identifier | None:
        """The value exactly as typed (not lowercased), or None when it had no capitals."""
        if self.exact or self.typed is None:
            return None
        return replace(self, value=self.typed, typed=None, exact=True)

    def as_entered(self) -> str:
        """The value as the person typed it (capitals kept), for storing and re-reading."""
        return self.typed or self.value

    @property
    def collection(self) -> str:
        """The Profile API collection: `accounts` for group ids, `users` otherwise."""
        return "accounts" if self.type == ACCOUNT_ID_TYPE else "users"

    @property
    def path_segment(self) -> str:
        """`type:value` with the value percent-encoded as one path segment (`+` → `%2B`)."""
        return f"{self.type}:{quote(self.value, safe='')}"

    def display(self) -> str:
        """The identifier as a person would type it (PII: show it only to the person who asked)."""
        return f"{self.type}:{self.value}"


def profile_path(space_id: str, identifier: Identifier, route: str) -> str:
    """The request path for one route of one profile, built from encoded segments only."""
    if route not in PROFILE_ROUTES:
        raise ValueError(f"unknown Profile API route {route!r}")
    return (
        f"/v1/spaces/{quote(space_id, safe='')}/collections/{identifier.collection}"
        f"/profiles/{identifier.path_segment}/{route}"
    )


class IdentifierParser:
    """Turns text into an `Identifier` under the id types this deployment allows."""

    def __init__(self, id_types: Iterable[str], phone_type: str = "phone") -> None:
        self.phone_type = phone_type.lower()
        self.id_types = tuple(dict.fromkeys(t.lower() for t in (*id_types, self.phone_type)))

    def usage_examples(self) -> tuple[str, ...]:
        """Example inputs covering each accepted form."""
        return (
            "jane@acme.com",
            "email:jane@acme.com",
            f"{self.phone_type}:+15555550123",
            "user_id:u_12345",
            "anonymous_id:5c1d…",
            "account:acme-corp",
        )

    def parse(self, text: str) -> Identifier:
        """Parse one identifier, or raise IdentifierError with a reason for the person."""
        if len(text) > 4 * MAX_INPUT_LENGTH:
            raise IdentifierError(
                f"That is too long to be an id (max {MAX_INPUT_LENGTH} characters).",
                code="too_long",
            )
        raw = _unwrap_slack(text.strip())
        raw = unicodedata.normalize("NFKC", raw).strip()
        if not raw:
            raise IdentifierError("Type an email, a phone number or type:value.", code="empty")
        if len(raw) > MAX_INPUT_LENGTH:
            raise IdentifierError(
                f"That is too long to be an id (max {MAX_INPUT_LENGTH} characters).",
                code="too_long",
            )
        if any(unicodedata.category(ch) in _FORBIDDEN_CATEGORIES for ch in raw):
            raise IdentifierError(
                "That contains invisible or control characters; type it again plainly.",
                code="control_characters",
            )
        if "<" in raw or ">" in raw:
            raise IdentifierError(
                "Mentions, channels and links can't be looked up; type an email or type:value.",
                code="markup",
            )
        id_type, value = self._split(raw)
        checked = self._validate(id_type, value)
        if id_type == self.phone_type:
            return Identifier(id_type, checked)
        return Identifier.as_typed(id_type, checked)

    def _split(self, raw: str) -> tuple[str, str]:
        head, sep, tail = raw.partition(":")
        head_l = head.strip().lower()
        if sep and head_l in ("mailto", "tel"):
            return ("email" if head_l == "mailto" else self.phone_type), tail.strip()
        if sep and head_l in TYPE_ALIASES and TYPE_ALIASES[head_l] in self.id_types:
            head_l = TYPE_ALIASES[head_l]
        if sep and _TYPE.match(head_l):
            if head_l not in self.id_types:
                raise IdentifierError(
                    f"`{head_l}` is not an id type this bot looks up. Use one of: "
                    + ", ".join(self.id_types)
                    + ".",
                    code="unknown_type",
                )
            value = _unwrap_slack(tail.strip())
            for scheme in ("mailto:", "tel:"):
                if value.lower().startswith(scheme):
                    value = value[len(scheme) :]
            return head_l, value.strip()
        if _EMAIL.match(raw.lower()):
            return "email", raw
        if _BARE_PHONE.match(raw):
            return self.phone_type, raw
        raise IdentifierError(
            "I can't tell what kind of id that is. Write it as type:value, for example "
            "user_id:u_123, or give an email or a +phone number.",
            code="ambiguous",
        )

    def _validate(self, id_type: str, value: str) -> str:
        if not value:
            raise IdentifierError(f"Give a value after `{id_type}:`.", code="empty")
        if "%" in value:
            raise IdentifierError(
                "Type the raw value, not a URL-encoded one (for example +15555550123, not %2B…).",
                code="encoded",
            )
        if id_type == self.phone_type:
            phone = _PHONE_SEPARATORS.sub("", value)
            if not _E164.match(phone):
                raise IdentifierError(
                    "That doesn't look like a phone number in international form, "
                    "for example +15555550123.",
                    code="bad_phone",
                )
            return phone
        # Checked as typed: the caller lowercases (Segment documents lowercase queries) and keeps
        # the typed form for a second try, since some spaces hold mixed-case ids.
        if id_type == "email":
            if not _EMAIL.match(value.lower()):
                raise IdentifierError("That doesn't look like an email address.", code="bad_email")
            return value
        if _FORBIDDEN_ID_CHARS.search(value) or value in (".", ".."):
            raise IdentifierError(
                f"That doesn't look like a valid {id_type}: it may not contain spaces or "
                'any of / ? # % \\ < > " `.',
                code="bad_value",
            )
        return value

    def find_all(self, text: str, *, limit: int = 10) -> list[Identifier]:
        """Every identifier in free text (Slack markup, emails, phones, type:value), in order."""
        found: dict[Identifier, None] = {}
        for candidate in self._candidates(text):
            try:
                found.setdefault(self.parse(candidate), None)
            except IdentifierError:
                continue
            if len(found) >= limit:
                break
        return list(found)

    def _candidates(self, text: str) -> list[str]:
        spans: list[tuple[int, str]] = []
        for match in _SLACK_WRAPPED.finditer(text):
            prefix = "email:" if match.group(1).lower() == "mailto" else f"{self.phone_type}:"
            spans.append((match.start(), prefix + html.unescape(match.group(2))))
        plain = _SLACK_MARKUP.sub(lambda m: " " * len(m.group(0)), text)
        plain = html.unescape(plain)
        aliases = [a for a, target in TYPE_ALIASES.items() if target in self.id_types]
        types = "|".join(re.escape(t) for t in (*self.id_types, *aliases))
        explicit = re.compile(rf"(?<![\w.])(?:{types}):[^\s<>,;]+", re.IGNORECASE)
        taken: list[tuple[int, int]] = []
        for match in explicit.finditer(plain):
            spans.append((match.start(), match.group(0).rstrip(".")))
            taken.append(match.span())
        for pattern in (_SCAN_EMAIL, _SCAN_PHONE):
            for match in pattern.finditer(plain):
                if any(a <= match.start() < b for a, b in taken):
                    continue
                spans.append((match.start(), match.group(0)))
        spans.sort(key=lambda item: item[0])
        return [candidate for _, candidate in spans]


def _unwrap_slack(text: str) -> str:
    """Unwrap `<mailto:a@b.co|a@b.co>` / `<tel:…|…>` and unescape Slack's `&amp; &lt; &gt;`."""
    unwrapped = _SLACK_WRAPPED.sub(lambda m: f"{m.group(1).lower()}:{m.group(2)}", text)
    return html.unescape(unwrapped) if "&" in unwrapped else unwrapped
