"""Fixtures for the security scenarios: a running bot (BotHarness) per test, or one per module."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.harness import BotHarness


@pytest.fixture
def make_bot(tmp_path: Path) -> Iterator[Callable[..., BotHarness]]:
    """Build a BotHarness with custom settings (`env=`), stub setup (`configure=`) or services."""
    harnesses: list[BotHarness] = []

    def make(**kwargs: Any) -> BotHarness:
        harness = BotHarness(tmp_path / f"bot{len(harnesses)}", **kwargs)
        harnesses.append(harness)
        return harness

    yield make
    for harness in harnesses:
        harness.close()


@pytest.fixture
def bot(make_bot: Callable[..., BotHarness]) -> BotHarness:
    """The bot with default settings: group @cs-team allowed, sharing on, 2 s lookup deadline."""
    return make_bot()


@pytest.fixture(scope="module")
def shared_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotHarness]:
    """One bot for a module of cheap input scenarios; tests isolate themselves with `fresh()`."""
    harness = BotHarness(tmp_path_factory.mktemp("shared-bot"))
    yield harness
    harness.close()
