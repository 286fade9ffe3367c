"""Every setting's name, and what to say about a name with our prefixes that is not one of them."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

# Every setting load_settings reads (tests/settings/test_settings.py checks this list against
# the names the loader actually reads, .env.example and README's configuration table).
SETTING_NAMES: tuple[str, ...] = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "SEGMENT_SPACE_ID",
    "SEGMENT_ACCESS_TOKEN",
    "SEGMENT_REGION",
    "SEGMENT_PROFILE_API_URL",
    "SEGMENT_RATE_LIMIT_RPS",
    "SEGMENT_WORKSPACE_SLUG",
    "SEGMENT_RATE_LIMIT_FALLBACK_RPS",
    "PROFILE_ALLOWED_USERGROUPS",
    "PROFILE_ALLOW_ALL_USERS",
    "PROFILE_MEMBERSHIP_TTL_SECONDS",
    "PROFILE_PHONE_ID_TYPE",
    "PROFILE_EXTRA_ID_TYPES",
    "PROFILE_PINNED_TRAITS",
    "PROFILE_HIDDEN_TRAITS",
    "PROFILE_SHAREABLE_TRAITS",
    "PROFILE_ACCOUNT_PINNED_TRAITS",
    "PROFILE_ACCOUNT_SHAREABLE_TRAITS",
    "PROFILE_ACCOUNT_PEOPLE_ON_CARD",
    "PROFILE_SHARING_ENABLED",
    "PROFILE_SHARE_TO_EXTERNAL_CHANNELS",
    "PROFILE_EVENTS_PAGE_SIZE",
    "PROFILE_EVENT_PROPERTIES",
    "PROFILE_SOURCE_NAMES",
    "PROFILE_LOOKUP_DEADLINE_SECONDS",
    "PROFILE_CACHE_TTL_SECONDS",
    "PROFILE_NOT_FOUND_TTL_SECONDS",
    "PROFILE_CACHE_MAX_PROFILES",
    "PROFILE_MAX_TRAIT_PAGES",
    "PROFILE_WORKER_THREADS",
    "PROFILE_CACHE_ENCRYPTION_KEY",
    "PROFILE_HISTORY_ENABLED",
    "PROFILE_HISTORY_TTL_SECONDS",
    "AUDIT_LOG_PATH",
    "AUDIT_HASH_KEY",
    "AUDIT_CLEAR_IDENTIFIERS",
    "LOG_LEVEL",
    "PORT",
    "WEB_CONCURRENCY",
    "WEB_THREADS",
    "REDIS_URL",
)

# Names with these prefixes are ours: one we don't know is most likely a typo that would be
# silently ignored (PROFILE_SHARABLE_TRAITS), so it is reported. Other variables are not ours.
OUR_PREFIXES: tuple[str, ...] = ("SLACK_", "SEGMENT_", "PROFILE_", "REDIS_", "AUDIT_")
# Names with our prefixes that other parts of the project read (not the bot): never reported.
OTHER_KNOWN_NAMES = frozenset({"REDIS_SERVER"})  # the sandbox's redis-server path (tests, bench)


def unknown_setting_notes(names: Iterable[str]) -> tuple[str, ...]:
    """For each name with our prefixes that is not a setting, one sentence with the closest name."""
    known = set(SETTING_NAMES) | OTHER_KNOWN_NAMES
    notes = []
    for name in sorted(set(names)):
        if name in known or not name.upper().startswith(OUR_PREFIXES):
            continue
        notes.append(unknown_setting_note(name))
    return tuple(notes)


def unknown_setting_note(name: str) -> str:
    """The sentence about one unknown name, with the closest setting name when one is close."""
    close = difflib.get_close_matches(name.upper(), SETTING_NAMES, n=1, cutoff=0.75)
    if close:
        return f"`{name}` is not a setting; did you mean `{close[0]}`?"
    return f"`{name}` is not a setting of profile-bot (see .env.example for every setting)"
