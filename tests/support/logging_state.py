"""Save and restore the global logging configuration around a test that calls configure_logging."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from bot.logs import LOGGER_FLOORS

_TOUCHED = (*LOGGER_FLOORS, "slack_bolt.App")


@contextmanager
def preserved_logging() -> Iterator[None]:
    """Undo, on exit, any change to root handlers/level and the library loggers' level/filters."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    saved = {
        name: (logging.getLogger(name).level, list(logging.getLogger(name).filters))
        for name in _TOUCHED
    }
    try:
        yield
    finally:
        for handler in [h for h in root.handlers if h not in handlers]:
            root.removeHandler(handler)
        root.setLevel(level)
        for name, (old_level, old_filters) in saved.items():
            logger = logging.getLogger(name)
            logger.setLevel(old_level)
            logger.filters[:] = old_filters
