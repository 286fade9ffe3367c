"""A real redis-server for the Redis tests: one per session, plus one a test may stop."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.sandbox.redis_server import RedisServer, RedisServerMissing


def _new_server() -> RedisServer:
    try:
        return RedisServer()
    except RedisServerMissing as exc:
        # Fail, never skip: a missing server must not pass as a green run.
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """The session's redis-server (never stopped by tests)."""
    server = _new_server()
    server.start()
    yield server
    server.close()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """URL of the session's server, emptied for this test."""
    client = redis_server.client()
    client.flushall()
    client.close()
    return redis_server.url


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A server of this test's own, which it may stop and start again."""
    server = _new_server()
    server.start()
    yield server
    server.close()
