"""Read settings from the environment and a `.env` file, and validate every one of them once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values

from bot.settings.defaults import (
    DEFAULT_ACCOUNT_PEOPLE_ON_CARD,
    DEFAULT_ACCOUNT_PINNED_TRAITS,
    DEFAULT_ACCOUNT_SHAREABLE_TRAITS,
    DEFAULT_HIDDEN_TRAITS,
    DEFAULT_PINNED_TRAITS,
    DEFAULT_SHAREABLE_TRAITS,
)
from bot.settings.model import Settings
from bot.settings.names import unknown_setting_notes
from bot.settings.parsing import (
    SettingsError,
    is_placeholder,
    parse_bool,
    parse_csv,
    parse_encryption_key,
    parse_event_properties,
    parse_float,
    parse_int,
    parse_labelled_keys,
    parse_source_names,
    validate_base_url,
    validate_redis_url,
)

US_PROFILE_API_URL = "https://profiles.segment.com"
EU_PROFILE_API_URL = "https://profiles.euw1.segment.com"
REGION_URLS = {"us": US_PROFILE_API_URL, "eu": EU_PROFILE_API_URL}
DEFAULT_SLACK_API_URL = "https://slack.com/api/"


def load_settings(
    environ: Mapping[str, str] | None = None,
    env_file: str | Path | None = ".env",
) -> Settings:
    """Read settings from `environ` (default os.environ) over a `.env` in the working directory."""
    values: dict[str, str] = {}
    if env_file is not None:
        path = Path(env_file)
        # Only the named file (default: ./.env of the directory the bot starts in); python-dotenv's
        # find_dotenv() would walk up from the installed source instead.
        if path.is_file():
            values.update({k: v for k, v in dotenv_values(path).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    return _build(values)


def _get(env: Mapping[str, str], name: str) -> str | None:
    raw = env.get(name)
    if raw is None:
        return None
    stripped = raw.strip()
    return stripped or None


def _require(env: Mapping[str, str], name: str, fix: str) -> str:
    value = _get(env, name)
    if value is None:
        raise SettingsError(name, "is not set", fix)
    return value


def _check_token(name: str, value: str, prefix: str) -> str:
    if not value.startswith(prefix):
        # Never echo the value: it is a secret.
        raise SettingsError(
            name,
            f"does not look like a token starting with {prefix!r}",
            f"Copy it again from {_WHERE[name]}",
        )
    return value


_WHERE = {
    "SLACK_BOT_TOKEN": "your app's OAuth & Permissions page (Bot User OAuth Token, xoxb-…)",
    "SLACK_APP_TOKEN": (
        "your app's Basic Information page (App-Level Tokens, xapp-…, scope connections:write)"
    ),
}


# Settings whose .env.example value is a placeholder, and where the real value is found.
_PLACEHOLDER_FIXES = {
    "SLACK_BOT_TOKEN": f"Copy it from {_WHERE['SLACK_BOT_TOKEN']}",
    "SLACK_SIGNING_SECRET": "Copy it from your app's Basic Information page (Signing Secret)",
    "SLACK_APP_TOKEN": f"Copy it from {_WHERE['SLACK_APP_TOKEN']}, or leave it empty for HTTP mode",
    "SEGMENT_SPACE_ID": "Find it in Segment under Unify > Unify settings > API access",
    "SEGMENT_ACCESS_TOKEN": (
        "Create one in Segment under Unify > Unify settings > API access > Generate token"
    ),
    "SEGMENT_WORKSPACE_SLUG": (
        "Use the name after app.segment.com/ in your Segment URLs, or unset it"
    ),
    "AUDIT_HASH_KEY": "Set a long random value, or unset it to use the signing secret",
}


def _refuse_placeholders(env: Mapping[str, str]) -> None:
    """A copied .env.example that was never filled in fails here, naming every placeholder."""
    left = [name for name in _PLACEHOLDER_FIXES if is_placeholder(env.get(name) or "")]
    if not left:
        return
    others = f" (so do {', '.join(left[1:])})" if left[1:] else ""
    # Never echo the value: for a real secret that merely looks like a placeholder, it is one.
    raise SettingsError(
        left[0],
        f"still holds the placeholder value from .env.example{others}",
        _PLACEHOLDER_FIXES[left[0]],
    )


def _build(env: Mapping[str, str]) -> Settings:
    _refuse_placeholders(env)
    app_token = _get(env, "SLACK_APP_TOKEN")
    if app_token is not None:
        _check_token("SLACK_APP_TOKEN", app_token, "xapp-")
    bot_token = _check_token(
        "SLACK_BOT_TOKEN",
        _require(env, "SLACK_BOT_TOKEN", f"Copy it from {_WHERE['SLACK_BOT_TOKEN']}"),
        "xoxb-",
    )
    signing_secret = _get(env, "SLACK_SIGNING_SECRET")
    if signing_secret is None:
        if app_token is None:
            raise SettingsError(
                "SLACK_SIGNING_SECRET",
                "is not set (it is required in HTTP mode, when SLACK_APP_TOKEN is unset)",
                "Copy it from your app's Basic Information page (Signing Secret)",
            )
        signing_secret = ""
    region = (_get(env, "SEGMENT_REGION") or "us").lower()
    if region not in REGION_URLS:
        raise SettingsError("SEGMENT_REGION", f"is {region!r}", "Set it to 'us' or 'eu'")
    override = _get(env, "SEGMENT_PROFILE_API_URL")
    profile_url = validate_base_url(
        "SEGMENT_PROFILE_API_URL", override if override else REGION_URLS[region]
    )
    allowed = parse_csv(_get(env, "PROFILE_ALLOWED_USERGROUPS"))
    allow_all = parse_bool(env, "PROFILE_ALLOW_ALL_USERS", False)
    if not allowed and not allow_all:
        raise SettingsError(
            "PROFILE_ALLOWED_USERGROUPS",
            "is not set, so nobody would be allowed to look customers up",
            "Name the Slack user groups (ids like S0123ABCD or handles like cs-team, comma-"
            "separated), or set PROFILE_ALLOW_ALL_USERS=true to let everyone use the bot",
        )
    phone_type = (_get(env, "PROFILE_PHONE_ID_TYPE") or "phone").lower()
    rps = parse_float(env, "SEGMENT_RATE_LIMIT_RPS", 20.0, low=0.1, high=100.0)
    space_id = _require(
        env, "SEGMENT_SPACE_ID", "Find it in Segment under Unify > Unify settings > API access"
    )
    if not space_id.replace("_", "").replace("-", "").isalnum():
        raise SettingsError(
            "SEGMENT_SPACE_ID", "has characters a space id never has", "Copy it again"
        )
    return Settings(
        slack_bot_token=bot_token,
        slack_signing_secret=signing_secret,
        slack_app_token=app_token,
        slack_api_url=validate_base_url(
            "SLACK_API_URL", _get(env, "SLACK_API_URL") or DEFAULT_SLACK_API_URL
        ),
        segment_space_id=space_id,
        segment_access_token=_require(
            env,
            "SEGMENT_ACCESS_TOKEN",
            "Create one in Segment under Unify > Unify settings > API access > Generate token",
        ),
        segment_region=region,
        segment_profile_api_url=profile_url,
        segment_rate_limit_rps=rps,
        segment_workspace_slug=_get(env, "SEGMENT_WORKSPACE_SLUG"),
        allowed_usergroups=allowed,
        allow_all_users=allow_all,
        port=parse_int(env, "PORT", 3000, low=1, high=65535),
        phone_id_type=phone_type,
        extra_id_types=tuple(t.lower() for t in parse_csv(_get(env, "PROFILE_EXTRA_ID_TYPES"))),
        pinned_traits=parse_labelled_keys(env, "PROFILE_PINNED_TRAITS", DEFAULT_PINNED_TRAITS),
        hidden_traits=DEFAULT_HIDDEN_TRAITS + parse_csv(_get(env, "PROFILE_HIDDEN_TRAITS")),
        shareable_traits=parse_csv(_get(env, "PROFILE_SHAREABLE_TRAITS"))
        or DEFAULT_SHAREABLE_TRAITS,
        account_pinned_traits=parse_labelled_keys(
            env, "PROFILE_ACCOUNT_PINNED_TRAITS", DEFAULT_ACCOUNT_PINNED_TRAITS
        ),
        account_shareable_traits=parse_csv(_get(env, "PROFILE_ACCOUNT_SHAREABLE_TRAITS"))
        or DEFAULT_ACCOUNT_SHAREABLE_TRAITS,
        account_people_on_card=parse_int(
            env, "PROFILE_ACCOUNT_PEOPLE_ON_CARD", DEFAULT_ACCOUNT_PEOPLE_ON_CARD, low=0, high=20
        ),
        sharing_enabled=parse_bool(env, "PROFILE_SHARING_ENABLED", True),
        share_to_external_channels=parse_bool(env, "PROFILE_SHARE_TO_EXTERNAL_CHANNELS", False),
        lookup_deadline_seconds=parse_float(
            env, "PROFILE_LOOKUP_DEADLINE_SECONDS", 5.0, low=0.5, high=60.0
        ),
        cache_ttl_seconds=parse_float(
            env, "PROFILE_CACHE_TTL_SECONDS", 60.0, low=0.0, high=86400.0
        ),
        not_found_ttl_seconds=parse_float(
            env, "PROFILE_NOT_FOUND_TTL_SECONDS", 15.0, low=0.0, high=3600.0
        ),
        cache_max_profiles=parse_int(
            env, "PROFILE_CACHE_MAX_PROFILES", 1000, low=1, high=1_000_000
        ),
        max_trait_pages=parse_int(env, "PROFILE_MAX_TRAIT_PAGES", 5, low=1, high=100),
        events_page_size=parse_int(env, "PROFILE_EVENTS_PAGE_SIZE", 10, low=1, high=100),
        event_properties=parse_event_properties(
            _get(env, "PROFILE_EVENT_PROPERTIES"), "PROFILE_EVENT_PROPERTIES"
        ),
        source_names=parse_source_names(_get(env, "PROFILE_SOURCE_NAMES")),
        membership_ttl_seconds=parse_float(
            env, "PROFILE_MEMBERSHIP_TTL_SECONDS", 300.0, low=1.0, high=86400.0
        ),
        audit_log_path=_get(env, "AUDIT_LOG_PATH"),
        identifier_hash_key=_get(env, "AUDIT_HASH_KEY") or signing_secret or bot_token,
        audit_clear_identifiers=parse_bool(env, "AUDIT_CLEAR_IDENTIFIERS", False),
        log_level=_log_level(_get(env, "LOG_LEVEL") or "INFO"),
        worker_threads=parse_int(env, "PROFILE_WORKER_THREADS", 32, low=1, high=512),
        web_concurrency=parse_int(env, "WEB_CONCURRENCY", 1, low=1, high=64),
        web_threads=parse_int(env, "WEB_THREADS", 16, low=1, high=256),
        redis_url=_redis_url(env),
        cache_encryption_key=_encryption_key(env),
        segment_rate_limit_fallback_rps=parse_float(
            env, "SEGMENT_RATE_LIMIT_FALLBACK_RPS", rps, low=0.1, high=100.0
        ),
        unknown_settings=unknown_setting_notes(env),
        history_enabled=parse_bool(env, "PROFILE_HISTORY_ENABLED", True),
        history_ttl_seconds=parse_float(
            env, "PROFILE_HISTORY_TTL_SECONDS", 7 * 24 * 3600.0, low=60.0, high=90 * 24 * 3600.0
        ),
    )


def _log_level(value: str) -> str:
    level = value.upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise SettingsError("LOG_LEVEL", f"is {value!r}", "Use DEBUG, INFO, WARNING or ERROR")
    return level


def _redis_url(env: Mapping[str, str]) -> str | None:
    raw = _get(env, "REDIS_URL")
    return None if raw is None else validate_redis_url(raw)


def _encryption_key(env: Mapping[str, str]) -> str | None:
    # Checked even without Redis, so a bad key is reported before the day it is needed.
    raw = _get(env, "PROFILE_CACHE_ENCRYPTION_KEY")
    parse_encryption_key(raw)
    return raw
