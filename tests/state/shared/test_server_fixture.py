"""The test server helper: a missing redis-server fails the run with the fix, never skips."""

from __future__ import annotations

import os

import pytest

from bot.sandbox import redis_server
from bot.sandbox.redis_server import RedisServer
from tests.state.shared import conftest

pytestmark = pytest.mark.redis


def test_missing_redis_server_fails_loudly_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_SERVER", "/nonexistent/redis-server")
    monkeypatch.setattr(redis_server.shutil, "which", lambda name: None)
    real_access = os.access
    monkeypatch.setattr(
        redis_server.os,
        "access",
        lambda path, mode: False if "redis-server" in str(path) else real_access(path, mode),
    )
    with pytest.raises(pytest.fail.Exception) as caught:
        conftest._new_server()
    assert "scripts/ensure-redis.sh" in str(caught.value)


def test_the_server_runs_without_persistence_on_loopback(redis_server: RedisServer) -> None:
    client = redis_server.client()
    try:
        assert client.config_get("save") == {"save": ""}
        assert client.config_get("appendonly") == {"appendonly": "no"}
        assert client.config_get("bind")["bind"] == "127.0.0.1"
    finally:
        client.close()
