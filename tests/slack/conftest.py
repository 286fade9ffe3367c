"""Fixtures for the Slack app tests: `bot` and `make_bot` (a running BotHarness per test)."""

from tests.support.bot_fixtures import bot, make_bot

__all__ = ["bot", "make_bot"]
