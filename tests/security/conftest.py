"""Fixtures for the security scenarios: `bot`/`make_bot` per test, or one bot per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.bot_fixtures import bot, make_bot
from tests.support.harness import BotHarness

__all__ = ["bot", "make_bot", "shared_bot"]


@pytest.fixture(scope="module")
def shared_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotHarness]:
    """One bot for a module of cheap input scenarios; tests isolate themselves with `fresh()`."""
    harness = BotHarness(tmp_path_factory.mktemp("shared-bot"))
    yield harness
    harness.close()
