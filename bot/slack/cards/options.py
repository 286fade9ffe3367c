"""What a deployment configures about its cards: pinned, hidden and shareable traits, links,
and the event properties shown first."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from bot.settings import (
    DEFAULT_ACCOUNT_PEOPLE_ON_CARD,
    DEFAULT_ACCOUNT_PINNED_TRAITS,
    DEFAULT_ACCOUNT_SHAREABLE_TRAITS,
    DEFAULT_HIDDEN_TRAITS,
    DEFAULT_PINNED_TRAITS,
    DEFAULT_SHAREABLE_TRAITS,
    Settings,
)
from bot.trait_policy import TraitPolicy


@dataclass(frozen=True)
class CardOptions:
    """Card settings; defaults match the bot's default settings."""

    pinned_traits: tuple[tuple[str, str], ...] = DEFAULT_PINNED_TRAITS  # (key, label), in order
    shareable_traits: tuple[str, ...] = DEFAULT_SHAREABLE_TRAITS
    sharing_enabled: bool = True
    workspace_slug: str | None = None
    space_id: str = ""
    hidden_traits: tuple[str, ...] = DEFAULT_HIDDEN_TRAITS
    # (event name, property keys) shown first on that event's lines (PROFILE_EVENT_PROPERTIES).
    event_properties: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Segment source id → a name people know, for the "All traits" provenance lines. Empty:
    # ids are shown as Segment returns them (PROFILE_SOURCE_NAMES fills it).
    source_names: Mapping[str, str] = field(default_factory=dict)
    account_pinned_traits: tuple[tuple[str, str], ...] = DEFAULT_ACCOUNT_PINNED_TRAITS
    account_shareable_traits: tuple[str, ...] = DEFAULT_ACCOUNT_SHAREABLE_TRAITS
    account_people_on_card: int = DEFAULT_ACCOUNT_PEOPLE_ON_CARD

    @classmethod
    def from_settings(cls, settings: Settings) -> CardOptions:
        """Card options from the bot's settings."""
        return cls(
            pinned_traits=settings.pinned_traits,
            shareable_traits=settings.shareable_traits,
            sharing_enabled=settings.sharing_enabled,
            workspace_slug=settings.segment_workspace_slug,
            space_id=settings.segment_space_id,
            hidden_traits=settings.hidden_traits,
            event_properties=settings.event_properties,
            source_names=dict(settings.source_names),
            account_pinned_traits=settings.account_pinned_traits,
            account_shareable_traits=settings.account_shareable_traits,
            account_people_on_card=settings.account_people_on_card,
        )

    @property
    def policy(self) -> TraitPolicy:
        """Which keys are hidden (never shown, even nested) and which may be shared."""
        return TraitPolicy(self.hidden_traits, self.shareable_traits)

    def for_accounts(self) -> CardOptions:
        """The same options with the account lists in the places of the person lists, so
        builders shared by both cards (pinned fields, sharing) read the right ones."""
        return replace(
            self,
            pinned_traits=self.account_pinned_traits,
            shareable_traits=self.account_shareable_traits,
        )
