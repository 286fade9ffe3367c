"""Settings: one frozen object from the environment and `./.env`, validated once at start-up."""

from bot.settings.defaults import (
    DEFAULT_ACCOUNT_PEOPLE_ON_CARD,
    DEFAULT_ACCOUNT_PINNED_TRAITS,
    DEFAULT_ACCOUNT_SHAREABLE_TRAITS,
    DEFAULT_HIDDEN_TRAITS,
    DEFAULT_PINNED_TRAITS,
    DEFAULT_SHAREABLE_TRAITS,
)
from bot.settings.loading import (
    DEFAULT_SLACK_API_URL,
    EU_PROFILE_API_URL,
    REGION_URLS,
    US_PROFILE_API_URL,
    load_settings,
)
from bot.settings.model import Settings
from bot.settings.parsing import SettingsError, is_loopback_host, validate_base_url

__all__ = [
    "DEFAULT_ACCOUNT_PEOPLE_ON_CARD",
    "DEFAULT_ACCOUNT_PINNED_TRAITS",
    "DEFAULT_ACCOUNT_SHAREABLE_TRAITS",
    "DEFAULT_HIDDEN_TRAITS",
    "DEFAULT_PINNED_TRAITS",
    "DEFAULT_SHAREABLE_TRAITS",
    "DEFAULT_SLACK_API_URL",
    "EU_PROFILE_API_URL",
    "REGION_URLS",
    "US_PROFILE_API_URL",
    "Settings",
    "SettingsError",
    "is_loopback_host",
    "load_settings",
    "validate_base_url",
]
