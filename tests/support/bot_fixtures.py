"""pytest fixtures for a running bot (BotHarness), shared by the Slack and security tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.harness import BotHarness


@pytest.fixture
def make_bot(tmp_path: Path) -> Iterator[Callable[..., BotHarness]]:
    """Build a BotHarness with custom settings (`env=`), Slack setup (`configure=`) or services."""
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
