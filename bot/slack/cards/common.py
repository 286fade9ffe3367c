"""Helpers the card sections share: visible traits, the customer's name, bounded line lists."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from bot.segment.models import Profile
from bot.slack.cards import text as t
from bot.trait_policy import TraitPolicy, canonical_key
from bot.wording import plural

LABEL_LIMIT = 60  # an admin-set label or a trait key used as a label
SEGMENT_APP_URL = "https://app.segment.com"
_URL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")


def visible_items(traits: Mapping[str, Any], policy: TraitPolicy) -> list[tuple[str, Any]]:
    """The (key, value) pairs that are not hidden, in their given order."""
    return [(str(k), v) for k, v in traits.items() if not policy.is_hidden(str(k))]


def index_by_canonical(items: Iterable[tuple[str, Any]]) -> dict[str, tuple[str, Any]]:
    """Map canonical keys (`createdAt` ~ `created_at`) to the first matching (key, value)."""
    index: dict[str, tuple[str, Any]] = {}
    for key, value in items:
        index.setdefault(canonical_key(key), (key, value))
    return index


def _text_value(index: Mapping[str, tuple[str, Any]], *names: str) -> str | None:
    for name in names:
        found = index.get(name)
        if found is not None and isinstance(found[1], str) and found[1].strip():
            return " ".join(found[1].split())
    return None


def customer_name(
    traits: Mapping[str, Any], policy: TraitPolicy, allowed: Callable[[str], bool] | None = None
) -> str | None:
    """The customer's name (raw text): `name`, else first + last name, else the email trait."""
    items = [(k, v) for k, v in visible_items(traits, policy) if allowed is None or allowed(k)]
    index = index_by_canonical(items)
    name = _text_value(index, "name", "full_name")
    if name:
        return name
    parts = [_text_value(index, "first_name", "firstname"), _text_value(index, "last_name")]
    joined = " ".join(p for p in parts if p)
    return joined or _text_value(index, "email")


def label_field(safe_label: str, value: Any, policy: TraitPolicy, *, value_limit: int) -> str:
    """A field "*Label*\\nvalue" in safe mrkdwn; the label must already be escaped."""
    shown = t.format_value(value, limit=value_limit, is_hidden=policy.is_hidden)
    return f"*{safe_label}*\n{shown}"


def safe_label(raw: str) -> str:
    """An admin label or a data key, escaped and cut for use as a field label."""
    return t.format_key(raw, LABEL_LIMIT)


def join_lines(
    lines: Sequence[str], limit: int, noun: str, sep: str = "\n", suffix: str = ""
) -> str:
    """Join safe lines within `limit`, ending with "+N more <noun(s)><suffix>" when some don't
    fit (`noun` is singular: "+1 more event", "+2 more events")."""
    kept: list[str] = []
    used = 0
    for i, line in enumerate(lines):
        remaining = len(lines) - i
        note = f"+{plural(remaining, 'more ' + noun)}{suffix}"
        width = t.text_length(line) + (t.text_length(sep) if kept else 0)
        # Keep room for the "+N more" note unless this is the last line.
        reserve = t.text_length(sep + note) if remaining > 1 else 0
        if used + width + reserve > limit:
            return sep.join([*kept, note])
        kept.append(line)
        used += width
    return sep.join(kept)


def segment_url(workspace_slug: str | None, space_id: str) -> str | None:
    """Link to the space's profile explorer, or None without a usable workspace slug."""
    # Slugs and space ids are short [a-z0-9_-] names; anything else can't be a Segment URL.
    if not workspace_slug or not _URL_NAME.match(workspace_slug) or not _URL_NAME.match(space_id):
        return None
    # The explorer page of the Unify space is as deep as we can link with confidence: a deep
    # link to one profile in it is not documented anywhere we could verify.
    return f"{SEGMENT_APP_URL}/{workspace_slug}/unify/spaces/{space_id}/explorer"


def fetched_line(profile: Profile, prefix: str, cached_age: float | None = None) -> str:
    """The footer: "<prefix> · fetched <date token>", or "· fetched 4 min ago" when the data
    came from the cache (`cached_age` seconds old), so nobody mistakes it for live data."""
    if cached_age is not None:
        return f"{prefix} · fetched {age_text(cached_age)}"
    return f"{prefix} · fetched {t.date_token(profile.fetched_at)}"


def age_text(seconds: float) -> str:
    """ "under a minute ago", "4 min ago", "2 h ago" (abbreviations: no plural to get wrong)."""
    if not seconds >= 60:  # also NaN
        return "under a minute ago"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400):,} d ago"


def card_title(profile: Profile, policy: TraitPolicy) -> str:
    """A card's header text: the name trait (else the email trait), else the id looked up."""
    return customer_name(profile.traits, policy) or profile.identifier.display()


def looked_up_text(profile: Profile) -> str:
    """The identifier looked up, as plain text (data can't format or link there); says so when
    only the exact typed case (not lowercase) matched."""
    ident = profile.identifier
    looked_up = t.truncate(ident.display(), 300)
    if ident.exact:
        looked_up += " · matched exactly as typed (the lowercase form has no profile)"
    return looked_up
