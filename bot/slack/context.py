"""Per-card context kept server-side under an opaque random ref; buttons carry only the ref."""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from bot.identifiers import Identifier
from bot.state import ContextStore

# A response_url lives 30 minutes, so a card's buttons cannot do more than that anyway.
CONTEXT_TTL_SECONDS = 30 * 60.0

EXPIRED_TEXT = "This card has expired, run /profile again."
NOT_REQUESTER_TEXT = (
    "Only the person who looked this up can use these buttons — run /profile yourself."
)


@dataclass(frozen=True)
class CardContext:
    """Who asked, about whom, and where the card lives (a message or a modal)."""

    requester: str
    team_id: str | None
    channel_id: str | None
    entry_point: str  # "command" | "shortcut" | "workflow"
    surface: str  # "message" | "modal" | "workflow"
    ident_type: str | None = None
    ident_value: str | None = None
    ident_typed: str | None = None  # the value as typed, when it had capitals
    ident_exact: bool = False  # the profile matched only the value exactly as typed
    response_url: str | None = None
    thread_ts: str | None = None
    events_cursor: str | None = None
    events_page: int = 1
    candidates: tuple[str, ...] = field(default=())  # "type:value" strings to pick from
    # "type:value" of the cards this one links to, in button order: a person's accounts, or an
    # account's people. Kept here so a button value is only f"{ref}:{index}", never an id.
    related: tuple[str, ...] = field(default=())
    workflow_execution_id: str | None = None  # a run of the workflow step (audited)

    @property
    def identifier(self) -> Identifier | None:
        """The identifier the card is about, once known."""
        if self.ident_type is None or self.ident_value is None:
            return None
        return Identifier(
            self.ident_type, self.ident_value, typed=self.ident_typed, exact=self.ident_exact
        )

    def with_identifier(self, ident: Identifier) -> CardContext:
        """The same context, about `ident` (the form that matched, once a profile is found)."""
        return replace(
            self,
            ident_type=ident.type,
            ident_value=ident.value,
            ident_typed=ident.typed,
            ident_exact=ident.exact,
        )

    def related_identifier(self, index: int) -> Identifier | None:
        """The identifier behind the card's `index`-th navigation button, if there is one."""
        if not 0 <= index < len(self.related):
            return None
        id_type, _, value = self.related[index].partition(":")
        return Identifier(id_type, value) if id_type and value else None

    def candidate_identifiers(self) -> list[Identifier]:
        """The identifiers offered in a pick list."""
        out: list[Identifier] = []
        for item in self.candidates:
            id_type, _, value = item.partition(":")
            out.append(Identifier.as_typed(id_type, value))  # stored as typed: see as_entered
        return out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly copy for the ContextStore."""
        data = asdict(self)
        data["candidates"] = list(self.candidates)
        data["related"] = list(self.related)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CardContext | None:
        """Rebuild a context, or None when the stored data is not one."""
        try:
            return cls(
                requester=str(data["requester"]),
                team_id=_opt(data.get("team_id")),
                channel_id=_opt(data.get("channel_id")),
                entry_point=str(data.get("entry_point", "command")),
                surface=str(data.get("surface", "message")),
                ident_type=_opt(data.get("ident_type")),
                ident_value=_opt(data.get("ident_value")),
                ident_typed=_opt(data.get("ident_typed")),
                ident_exact=data.get("ident_exact") is True,
                response_url=_opt(data.get("response_url")),
                thread_ts=_opt(data.get("thread_ts")),
                events_cursor=_opt(data.get("events_cursor")),
                events_page=int(data.get("events_page", 1)),
                candidates=tuple(str(c) for c in data.get("candidates", ())),
                related=tuple(str(r) for r in data.get("related", ())),
                workflow_execution_id=_opt(data.get("workflow_execution_id")),
            )
        except (KeyError, TypeError, ValueError):
            return None


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)


class CardContexts:
    """Creates and reads card contexts in the shared ContextStore."""

    def __init__(self, store: ContextStore, *, ttl: float = CONTEXT_TTL_SECONDS) -> None:
        self._store = store
        self._ttl = ttl

    def create(self, context: CardContext) -> str:
        """Store `context` under a fresh unguessable ref and return the ref."""
        ref = secrets.token_urlsafe(12)  # URL-safe base64: never contains ':'
        self._store.put(f"card:{ref}", context.to_dict(), self._ttl)
        return ref

    def save(self, ref: str, context: CardContext) -> None:
        """Replace the context kept under `ref` (its lifetime starts again)."""
        self._store.put(f"card:{ref}", context.to_dict(), self._ttl)

    def get(self, ref: str) -> CardContext | None:
        """The context under `ref`, or None when unknown, expired or malformed."""
        if not ref or len(ref) > 64:
            return None
        data = self._store.get(f"card:{ref}")
        return None if data is None else CardContext.from_dict(data)

    def for_actor(self, ref: str, user_id: str | None) -> tuple[CardContext | None, str | None]:
        """(context, None) when `user_id` asked for this card, else (None, refusal text)."""
        context = self.get(ref)
        if context is None:
            return None, EXPIRED_TEXT
        if not user_id or user_id != context.requester:
            return None, NOT_REQUESTER_TEXT
        return context, None
