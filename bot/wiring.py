"""The one place that assembles the bot from its settings: state, lookups, Slack services, apps.

Lower layers take what they need as values; only this module reads `Settings` to build them.
Tests, the demo and the benchmarks inject their collaborators here.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from wsgiref.types import WSGIApplication

import httpx
import redis
from slack_bolt import App
from slack_sdk import WebClient

from bot.audit import AuditLog
from bot.identifiers import IdentifierParser
from bot.segment.client import ProfileApiClient
from bot.segment.lookup import LookupOptions, ProfileService
from bot.settings import Settings, SettingsError
from bot.slack.access import ERROR_COOLDOWN_SECONDS, GATE_TIMEOUT_SECONDS, AccessChecker
from bot.slack.app import build_bolt_app
from bot.slack.cards.options import CardOptions
from bot.slack.context import CardContexts
from bot.slack.history import RecentLookups
from bot.slack.jobs import JobRunner
from bot.slack.services import AppServices
from bot.slack.share_policy import SharePolicy
from bot.slack.web_client import ACK_PATH_TIMEOUT_SECONDS, make_web_client
from bot.slack.wsgi import build_wsgi_app
from bot.state import MembershipStore, StateBundle, memory_state
from bot.state.cipher import ValueCipher
from bot.state.memory import MemoryMembershipStore
from bot.state.pacing import PacedLimiter
from bot.state.shared.backend import describe_redis_url, redis_client, redis_state, warn_if_exposed
from bot.state.unshared import LOST_WITHOUT_SHARED_STATE
from bot.trait_policy import TraitPolicy

__all__ = [
    "build_access_checker",
    "build_app",
    "build_profile_service",
    "build_services",
    "build_state",
    "build_wsgi",
    "lookup_options",
    "require_shared_state",
    "slack_client",
    "unshared_workers",
]


def require_shared_state(settings: Settings) -> None:
    """Refuse several worker processes (HTTP mode) without REDIS_URL: raise SettingsError.

    Why refuse rather than warn: gunicorn hands each connection to whichever worker accepts it,
    so about every other button press would land on a worker without the card's context ("this
    card expired"), Slack's retries would be handled twice, and a person removed from a user
    group would keep access through the workers that did not receive the event. That is a broken
    and less safe bot, not a slower one; the fix is one setting either way. (Several machines
    without Redis cannot be detected from inside one; the README's scaling section says so.)
    """
    problem = unshared_workers(settings)
    if problem is not None:
        raise SettingsError("WEB_CONCURRENCY", *problem)


def unshared_workers(settings: Settings) -> tuple[str, str] | None:
    """(problem, fix) when HTTP mode would run several workers without REDIS_URL, else None."""
    if settings.web_concurrency <= 1 or settings.redis_url is not None:
        return None
    return (
        f"is {settings.web_concurrency} but REDIS_URL is not set: separate worker processes "
        f"without shared state would lose {LOST_WITHOUT_SHARED_STATE}",
        "Set REDIS_URL so the workers share their state (see README, Scaling out), or set "
        "WEB_CONCURRENCY=1",
    )


def slack_client(settings: Settings, *, timeout: int, retry: bool = True) -> WebClient:
    """A WebClient with the bot token for this deployment's Slack API URL."""
    return make_web_client(
        settings.slack_bot_token, settings.slack_api_url, timeout=timeout, retry=retry
    )


def build_state(
    settings: Settings,
    *,
    fallback_rate_rps: float | None = None,
    redis_client_: redis.Redis | None = None,
) -> StateBundle:
    """Memory state without REDIS_URL; with it, Redis-backed state that falls back to memory.

    `fallback_rate_rps` is this process's share of SEGMENT_RATE_LIMIT_RPS while Redis is
    unreachable (default: the whole rate, right for one process).
    """
    memory = memory_state(
        max_profiles=settings.cache_max_profiles, rate_rps=settings.segment_rate_limit_rps
    )
    if settings.redis_url is None and redis_client_ is None:
        return memory
    if fallback_rate_rps is not None:
        memory = dataclasses.replace(memory, budget=PacedLimiter(fallback_rate_rps))
    cipher = ValueCipher.from_keys(
        settings.cache_encryption_key, secret=settings.identifier_hash_key
    )
    client = redis_client_
    where = "a given client"
    if client is None:
        assert settings.redis_url is not None
        client = redis_client(settings.redis_url)
        warn_if_exposed(settings.redis_url, cipher)
        where = describe_redis_url(settings.redis_url)
    return redis_state(
        client,
        memory,
        cipher=cipher,
        hash_key=settings.identifier_hash_key,
        namespace=settings.segment_space_id,
        rate_rps=settings.segment_rate_limit_rps,
        where=where,
    )


def lookup_options(settings: Settings) -> LookupOptions:
    """What a lookup needs to know of the settings."""
    return LookupOptions(
        hash_key=settings.identifier_hash_key,
        policy=TraitPolicy(settings.hidden_traits, settings.shareable_traits),
        deadline_seconds=settings.lookup_deadline_seconds,
        cache_ttl_seconds=settings.cache_ttl_seconds,
        not_found_ttl_seconds=settings.not_found_ttl_seconds,
        max_trait_pages=settings.max_trait_pages,
        events_page_size=settings.events_page_size,
        worker_threads=settings.worker_threads,
        account_keys=tuple(
            dict.fromkeys(("name", *(key for key, _ in settings.account_pinned_traits)))
        ),
    )


def build_profile_service(
    settings: Settings,
    *,
    state: StateBundle,
    transport: httpx.BaseTransport | None = None,
    client: ProfileApiClient | None = None,
) -> ProfileService:
    """A ProfileService on `state`'s cache, single-flight and budget (`client` to inject one)."""
    if client is None:
        client = ProfileApiClient(
            base_url=settings.segment_profile_api_url,
            space_id=settings.segment_space_id,
            token=settings.segment_access_token,
            transport=transport,
            budget=state.budget,
        )
    return ProfileService(
        client, lookup_options(settings), cache=state.profile_cache, flight=state.flight
    )


def build_access_checker(
    settings: Settings,
    memberships: MembershipStore | None = None,
    *,
    timeout: int = GATE_TIMEOUT_SECONDS,
    error_cooldown: float = ERROR_COOLDOWN_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> AccessChecker:
    """The user-group check, on its own client: short timeout and no retries, so that a slow
    Slack fails closed quickly instead of costing the ack."""
    return AccessChecker(
        slack_client(settings, timeout=timeout, retry=False),
        memberships if memberships is not None else MemoryMembershipStore(),
        groups=settings.allowed_usergroups,
        allow_all=settings.allow_all_users,
        membership_ttl=settings.membership_ttl_seconds,
        error_cooldown=error_cooldown,
        clock=clock,
    )


def build_services(
    settings: Settings,
    *,
    transport: httpx.BaseTransport | None = None,
    state: StateBundle | None = None,
    audit: AuditLog | None = None,
    profiles: ProfileService | None = None,
    access_error_cooldown: float = ERROR_COOLDOWN_SECONDS,
) -> AppServices:
    """Every service the Slack app uses; state from `build_state` unless `state` is given."""
    if state is None:
        state = build_state(settings, fallback_rate_rps=settings.segment_rate_limit_fallback_rps)
    if profiles is None:
        profiles = build_profile_service(settings, state=state, transport=transport)
    return AppServices(
        profiles=profiles,
        state=state,
        audit=audit if audit is not None else AuditLog.from_settings(settings),
        jobs=JobRunner(settings.worker_threads),
        parser=IdentifierParser(settings.id_types, settings.phone_id_type),
        cards=CardOptions.from_settings(settings),
        share_policy=SharePolicy(
            enabled=settings.sharing_enabled,
            to_external_channels=settings.share_to_external_channels,
        ),
        web_client=slack_client(settings, timeout=ACK_PATH_TIMEOUT_SECONDS),
        access=build_access_checker(
            settings, state.memberships, error_cooldown=access_error_cooldown
        ),
        contexts=CardContexts(state.contexts),
        history=RecentLookups(
            state.history, enabled=settings.history_enabled, ttl=settings.history_ttl_seconds
        ),
    )


def build_app(settings: Settings, services: AppServices) -> App:
    """The Bolt app over `services`."""
    return build_bolt_app(
        services,
        signing_secret=settings.slack_signing_secret,
        listener_threads=settings.worker_threads,
    )


def build_wsgi(
    settings: Settings, services: AppServices, *, app: App | None = None
) -> WSGIApplication:
    """The WSGI app for HTTP mode: Bolt (`app`, or a new one) behind the request guard, and
    /healthz."""
    return build_wsgi_app(
        app if app is not None else build_app(settings, services),
        # HTTP mode refuses to start without it (bot/serve.py); Socket Mode needs none.
        signing_secret=settings.slack_signing_secret or None,
        mode="socket" if settings.socket_mode else "http",
        health=services.health,
    )
