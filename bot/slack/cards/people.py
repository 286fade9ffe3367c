"""An account's linked people: one line each with an Open button, on the card and in a modal."""

from __future__ import annotations

from typing import Any

from bot.segment.errors import ErrorKind
from bot.segment.models import LinkedPerson, Profile
from bot.slack import component_ids as ids
from bot.slack.cards import text as t
from bot.slack.cards.blocks import Block, button, context, modal, mrkdwn
from bot.slack.cards.common import customer_name, index_by_canonical, visible_items
from bot.slack.cards.errors import request_ref
from bot.slack.cards.options import CardOptions

PERSON_LINE_TEXT = 300
LINKS_CAP = 20  # Segment lists at most 20 linked people (profile-api.md §2.5)
_REASONS = {
    ErrorKind.TIMEOUT: "no answer in time",
    ErrorKind.RATE_LIMITED: "Segment was busy",
    ErrorKind.NOT_FOUND: "no profile under this id",
    ErrorKind.CIRCUIT_OPEN: "Segment is failing",
}


def _identifier(person: LinkedPerson, limit: int = 120) -> str:
    return t.escape_identifier(" ".join(f"{person.id_type}:{person.id_value}".split()), limit)


def person_line(person: LinkedPerson, options: CardOptions, limit: int = PERSON_LINE_TEXT) -> str:
    """Safe mrkdwn: name, title and email when their traits carry them; else the identifier
    the link gave, marked as such."""
    if person.error is not None:
        reason = _REASONS.get(person.error.kind, "Segment returned an error")
        ref = request_ref(person.error.request_id)
        line = f":warning: `{_identifier(person)}` — details unavailable ({reason}){ref}"
        return t.truncate_mrkdwn(line, limit)
    if not person.fetched:
        return t.truncate_mrkdwn(f"`{_identifier(person)}`", limit)
    policy = options.policy
    index = index_by_canonical(visible_items(person.traits, policy))
    name = customer_name(person.traits, policy)
    parts: list[str] = []
    for key in ("title", "email"):
        found = index.get(key)
        if found is not None and isinstance(found[1], str) and found[1].strip():
            shown = t.escape_truncated(" ".join(found[1].split()), 100)
            if shown != t.escape_truncated(name or "", 100):
                parts.append(shown)
    if not name:
        return f"`{_identifier(person)}` — no name on record"
    head = f"*{t.escape_truncated(name, 80)}*"
    line = " · ".join([head, *parts])
    return t.truncate_mrkdwn(line, limit)


def person_blocks(
    people: tuple[LinkedPerson, ...], options: CardOptions, *, ref: str, text_budget: int = 6000
) -> list[Block]:
    """One section per person with an Open button (value f"{ref}:{index}"), all lines within
    `text_budget` characters together."""
    limit = max(100, min(PERSON_LINE_TEXT, text_budget // max(1, len(people))))
    return [
        {
            "type": "section",
            "block_id": f"person_{index}",
            "text": mrkdwn(person_line(person, options, limit)),
            "accessory": button("Open", ids.OPEN_PERSON, value=f"{ref}:{index}"),
        }
        for index, person in enumerate(people)
    ]


def cap_note(count: int) -> str | None:
    """A note when Segment's cap may have cut the list, else None."""
    if count < LINKS_CAP:
        return None
    return f"Segment lists at most {LINKS_CAP} linked people; this account may have more."


def build_people_view(profile: Profile, options: CardOptions, *, ref: str) -> dict[str, Any]:
    """Every linked person Segment returned, each with a button opening their card."""
    people = profile.people
    blocks: list[Block] = [
        context(f"{len(people):,} linked {'person' if len(people) == 1 else 'people'}")
    ]
    blocks += person_blocks(people, options, ref=ref)
    if not people:
        blocks.append(context("No people linked to this account."))
    note = cap_note(len(people))
    if note:
        blocks.append(context(note))
    return modal("People", blocks, callback_id=ids.PEOPLE_VIEW, private_metadata=ref)
