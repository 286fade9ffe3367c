from __future__ import annotations

import ssl
from collections.abc import Iterator

import httpx
import pytest

from bot.sandbox import ProfileApiSandbox, SlackApiSandbox

SPACE = "spa_sandbox"
USERS = f"v1/spaces/{SPACE}/collections/users/profiles"
ACCOUNTS = f"v1/spaces/{SPACE}/collections/accounts/profiles"
JANE = "email:jane%40example.com"


# One TLS context for every test client: httpx builds a new one (~0.1 s) per Client otherwise.
SSL_CONTEXT = ssl.create_default_context()


def new_client(**kwargs) -> httpx.Client:
    """An httpx client that reuses the shared TLS context (loopback tests speak plain HTTP)."""
    return httpx.Client(verify=SSL_CONTEXT, timeout=10, **kwargs)


@pytest.fixture
def anon() -> Iterator[httpx.Client]:
    """A client without credentials or base URL."""
    with new_client() as http:
        yield http


@pytest.fixture
def sandbox() -> Iterator[ProfileApiSandbox]:
    with ProfileApiSandbox(rate_limit_rps=None) as running:
        yield running


@pytest.fixture
def client(sandbox: ProfileApiSandbox) -> Iterator[httpx.Client]:
    with new_client(base_url=sandbox.base_url, auth=(sandbox.token, "")) as http:
        yield http


@pytest.fixture
def slack() -> Iterator[SlackApiSandbox]:
    with SlackApiSandbox() as slack_api:
        yield slack_api
