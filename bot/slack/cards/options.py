"""What a deployment configures about its cards: pinned, hidden and shareable traits, links."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.settings import (
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
    # Segment source id → a name people know, for the "All traits" provenance lines. Empty:
    # ids are shown as Segment returns them (a PROFILE_SOURCE_NAMES setting could fill it).
    source_names: Mapping[str, str] = field(default_factory=dict)

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
        )

    @property
    def policy(self) -> TraitPolicy:
        """Which keys are hidden (never shown, even nested) and which may be shared."""
        return TraitPolicy(self.hidden_traits, self.shareable_traits)
