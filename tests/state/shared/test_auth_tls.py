"""REDIS_URL with a password (AUTH) and over TLS (rediss://), against real redis-servers."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.sandbox.redis_server import RedisServer
from bot.state.shared.stores import RedisContextStore
from bot.wiring import build_state
from tests.state.shared.helpers import FERNET_KEY, settings_for
from tests.state.shared.tls import make_tls_files

pytestmark = pytest.mark.redis

PASSWORD = "s3cret:p@ss/word"  # characters that must be percent-encoded in the URL
CONTEXT = {"requester": "U0MEMBER1", "identifier": "email:jane@example.com"}


@pytest.fixture
def auth_redis() -> Iterator[RedisServer]:
    with RedisServer(password=PASSWORD) as server:
        yield server


@pytest.fixture
def tls_redis(tmp_path: Path) -> Iterator[RedisServer]:
    with RedisServer(password=PASSWORD, tls=make_tls_files(tmp_path)) as server:
        yield server


def _shared_between_two_processes(url: str) -> None:
    one = build_state(settings_for(url, key=FERNET_KEY))
    other = build_state(settings_for(url, key=FERNET_KEY))
    assert isinstance(one.contexts, RedisContextStore)
    one.contexts.put("ref-auth", CONTEXT, 60)
    assert other.contexts.get("ref-auth") == CONTEXT


def test_a_password_in_redis_url_authenticates(auth_redis: RedisServer) -> None:
    assert "%3A" in auth_redis.url  # the password is percent-encoded in the URL
    _shared_between_two_processes(auth_redis.url)


def test_a_wrong_password_falls_back_to_memory_without_showing_it(
    auth_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.redis")
    wrong = auth_redis.url.replace("s3cret", "wrong-guess")
    state = build_state(settings_for(wrong, key=FERNET_KEY))
    state.contexts.put("ref-auth", CONTEXT, 60)  # kept in this process's memory
    assert state.contexts.get("ref-auth") == CONTEXT
    outage = [r.getMessage() for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(outage) == 1
    assert "wrong-guess" not in outage[0] and "s3cret" not in outage[0]


def test_rediss_with_a_private_ca_works(tls_redis: RedisServer) -> None:
    assert tls_redis.url.startswith("rediss://") and "ssl_ca_certs=" in tls_redis.url
    _shared_between_two_processes(tls_redis.url)


def test_rediss_refuses_a_server_it_cannot_verify(
    tls_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    # Without the CA the certificate does not verify: no shared state, one warning, and memory.
    caplog.set_level(logging.WARNING, logger="bot.redis")
    unverified = tls_redis.url.split("?", 1)[0]
    state = build_state(settings_for(unverified, key=FERNET_KEY))
    state.contexts.put("ref-tls", CONTEXT, 60)
    assert state.contexts.get("ref-tls") == CONTEXT
    outage = [r.getMessage() for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(outage) == 1 and "CERTIFICATE_VERIFY_FAILED" in outage[0]
