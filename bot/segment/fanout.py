"""Run a lookup's route calls concurrently on a shared pool, all bound by one deadline."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from typing import Any

from bot.segment.errors import ErrorKind, ProfileApiError

log = logging.getLogger(__name__)


class FanOut:
    """Named calls submitted to `executor`; results are read as (value, error) pairs.

    Callers must not run on `executor` themselves (a full pool would wait on itself).
    """

    def __init__(self, executor: Executor, deadline: float, clock: Callable[[], float]) -> None:
        self._executor = executor
        self._deadline = deadline
        self._clock = clock
        self._futures: dict[str, Future[Any]] = {}
        self._reported: set[str] = set()
        self._aborted = threading.Event()

    def submit(self, name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Start `fn(*args, **kwargs)` under `name` (skipped if the fan-out is aborted first)."""

        def task() -> Any:
            if self._aborted.is_set():
                raise ProfileApiError(ErrorKind.NOT_FOUND, "skipped: the profile was not found")
            return fn(*args, **kwargs)

        self._futures[name] = self._executor.submit(task)

    def abort(self) -> None:
        """Calls that have not started yet will not send anything."""
        self._aborted.set()

    def next_done(self) -> list[str]:
        """Names finished since the last call; [] once all are reported or the deadline passed."""
        while True:
            pending = {f for n, f in self._futures.items() if n not in self._reported}
            if not pending:
                return []
            remaining = self._deadline - self._clock()
            if remaining <= 0:
                return []
            done, _ = wait(pending, timeout=remaining, return_when=FIRST_COMPLETED)
            names = [n for n, f in self._futures.items() if f in done and n not in self._reported]
            self._reported.update(names)
            if names:
                return names

    def outcome(self, name: str) -> tuple[Any, ProfileApiError | None]:
        """(value, None) on success; (None, error) on failure or when still running (TIMEOUT)."""
        future = self._futures.get(name)
        if future is None:
            raise KeyError(name)
        if not future.done():
            future.cancel()
            return None, ProfileApiError(ErrorKind.TIMEOUT, "no answer before the deadline")
        error = future.exception()
        if error is None:
            return future.result(), None
        if isinstance(error, ProfileApiError):
            return None, error
        # A bug in our own code: name the type only, its message might quote profile data.
        log.error("unexpected %s while fetching a profile section", type(error).__name__)
        return None, ProfileApiError(ErrorKind.UPSTREAM, "internal error")

    def names(self) -> list[str]:
        """Every submitted name, in submission order."""
        return list(self._futures)
