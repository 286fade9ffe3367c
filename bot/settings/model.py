"""The Settings object: everything the bot is configured with, validated by `load_settings`."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.identifiers import BUILTIN_ID_TYPES


@dataclass(frozen=True)
class Settings:
    """Everything the bot is configured with; build it with `load_settings()`."""

    slack_bot_token: str = field(repr=False)
    slack_signing_secret: str = field(repr=False)
    slack_app_token: str | None = field(repr=False)
    slack_api_url: str
    segment_space_id: str
    segment_access_token: str = field(repr=False)
    segment_region: str
    segment_profile_api_url: str
    segment_rate_limit_rps: float
    segment_workspace_slug: str | None
    allowed_usergroups: tuple[str, ...]
    allow_all_users: bool
    port: int
    phone_id_type: str
    extra_id_types: tuple[str, ...]
    pinned_traits: tuple[tuple[str, str], ...]
    hidden_traits: tuple[str, ...]
    shareable_traits: tuple[str, ...]
    account_pinned_traits: tuple[tuple[str, str], ...]
    account_shareable_traits: tuple[str, ...]
    account_people_on_card: int
    sharing_enabled: bool
    share_to_external_channels: bool
    lookup_deadline_seconds: float
    cache_ttl_seconds: float
    not_found_ttl_seconds: float
    cache_max_profiles: int
    max_trait_pages: int
    events_page_size: int
    membership_ttl_seconds: float
    audit_log_path: str | None
    identifier_hash_key: str = field(repr=False)
    audit_clear_identifiers: bool
    log_level: str
    worker_threads: int
    web_concurrency: int
    web_threads: int
    redis_url: str | None = field(repr=False)
    cache_encryption_key: str | None = field(repr=False)
    segment_rate_limit_fallback_rps: float
    # (event name, property keys) shown first on that event's line (PROFILE_EVENT_PROPERTIES).
    event_properties: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # (Segment source id, name people know) for the All traits provenance (PROFILE_SOURCE_NAMES).
    source_names: tuple[tuple[str, str], ...] = ()
    # One sentence per variable with our prefixes that is not a setting (a likely typo).
    unknown_settings: tuple[str, ...] = ()
    history_enabled: bool = True
    history_ttl_seconds: float = 7 * 24 * 3600.0

    @property
    def socket_mode(self) -> bool:
        """True when an app-level token is set: the bot connects out over Socket Mode."""
        return self.slack_app_token is not None

    @property
    def id_types(self) -> tuple[str, ...]:
        """Every identifier type a person may type, built-in and configured."""
        extra = tuple(t for t in (self.phone_id_type, *self.extra_id_types) if t)
        return tuple(dict.fromkeys((*BUILTIN_ID_TYPES, *extra)))
