"""Fixtures for the Segment side: a real Profile API sandbox on loopback, clients and services."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.identifiers import Identifier
from bot.sandbox.profile_api import ProfileApiSandbox
from bot.segment.client import ProfileApiClient
from bot.segment.lookup import ProfileService
from bot.settings import Settings, load_settings
from bot.state import NotFoundEntry, StateBundle
from bot.wiring import build_profile_service, build_state

TOKEN = "tok_s3cr3t_9f8e7d6c"  # distinctive, so a log or message that leaks it is caught
SPACE = "spa_sandbox"
JANE = Identifier("email", "jane@example.com")  # has one linked account (acme-corp)
CARLOS = Identifier("phone", "+15555550123")  # no linked accounts
LIAM = Identifier("email", "liam.obrien@example.com")  # no linked accounts, 120 events
PRIYA = Identifier("email", "priya.raman@example.com")  # 350 traits
MALLORY = Identifier("email", "mallory@example.net")  # hostile data, hidden trait keys
TOM = Identifier("email", "tom.becker@example.org")  # no events, no accounts
NOBODY = Identifier("email", "nobody@example.com")
ACME = Identifier("group_id", "acme-corp")


@pytest.fixture
def sandbox() -> Iterator[ProfileApiSandbox]:
    with ProfileApiSandbox(token=TOKEN, space_id=SPACE, rate_limit_rps=None) as server:
        yield server


def make_settings(sandbox: ProfileApiSandbox, **overrides: str) -> Settings:
    """Settings pointing at `sandbox`; overrides are environment variables."""
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": "signing-secret",
        "SEGMENT_SPACE_ID": sandbox.space_id,
        "SEGMENT_ACCESS_TOKEN": sandbox.token,
        "SEGMENT_PROFILE_API_URL": sandbox.base_url,
        "SEGMENT_RATE_LIMIT_RPS": "100",
        "PROFILE_ALLOW_ALL_USERS": "true",
        "PROFILE_LOOKUP_DEADLINE_SECONDS": "5",
        **overrides,
    }
    return load_settings(env, env_file=None)


@pytest.fixture
def make_client(sandbox: ProfileApiSandbox) -> Iterator[Callable[..., ProfileApiClient]]:
    made: list[ProfileApiClient] = []

    def factory(**kwargs: Any) -> ProfileApiClient:
        options: dict[str, Any] = {
            "base_url": sandbox.base_url,
            "space_id": sandbox.space_id,
            "token": sandbox.token,
            "rng": lambda: 0.0,  # no backoff waits unless a test asks for them
            **kwargs,
        }
        client = ProfileApiClient(**options)
        made.append(client)
        return client

    yield factory
    for client in made:
        client.close()


@pytest.fixture
def make_service(
    sandbox: ProfileApiSandbox,
) -> Iterator[Callable[..., ProfileService]]:
    made: list[ProfileService] = []

    def factory(state: StateBundle | None = None, **env: str) -> ProfileService:
        settings = make_settings(sandbox, **env)
        state = state if state is not None else build_state(settings)
        service = build_profile_service(settings, state=state)
        made.append(service)
        return service

    yield factory
    for service in made:
        service.close()


def deadline_in(seconds: float) -> float:
    """A monotonic deadline `seconds` from now."""
    return time.monotonic() + seconds


def forget(service: ProfileService, *idents: Identifier) -> None:
    """Drop cached lookups (a put with ttl 0 forgets the key)."""
    for ident in idents:
        service.cache.put(service.cache_key(ident), NotFoundEntry(fetched_at=0.0), 0)
