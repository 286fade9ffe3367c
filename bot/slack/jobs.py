"""Slow work (Profile API lookups, Slack calls after the ack) on a bounded pool of its own.

Bolt's listener threads only acknowledge; everything that can wait on Segment or Slack runs here,
so one slow lookup never delays somebody else's ack.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

logger = logging.getLogger(__name__)

ErrorHandler = Callable[[BaseException], None]

# Jobs accepted before new ones are refused, by default. A burst of 300 lookups at once must be
# taken, not refused: at 100 requests/s the budget drains ~25 lookups/s, so 300 queued lookups
# finish in ~12 s. (8 per thread, 256 with 32 threads, refused 44 of a 300 burst.)
MIN_PENDING_JOBS = 512
PENDING_JOBS_PER_WORKER = 16


class JobRunner:
    """A bounded thread pool; failures are logged without PII and reported through `on_error`."""

    def __init__(self, max_workers: int, *, max_pending: int | None = None) -> None:
        self._executor = ThreadPoolExecutor(
            max_workers=max(1, max_workers), thread_name_prefix="profile-job"
        )
        # Work waiting for a thread is capped: past it, a person is told to try again instead of
        # their lookup starting minutes later.
        self._max_pending = (
            max_pending
            if max_pending is not None
            else max(MIN_PENDING_JOBS, max(1, max_workers) * PENDING_JOBS_PER_WORKER)
        )
        self._lock = threading.Lock()
        self._pending = 0
        self._closed = False

    @property
    def pending(self) -> int:
        """Jobs submitted and not finished yet."""
        with self._lock:
            return self._pending

    def accepting(self) -> bool:
        """True when a new job would be taken now (not closed, not overloaded)."""
        with self._lock:
            return not self._closed and self._pending < self._max_pending

    def submit(
        self, label: str, fn: Callable[[], None], *, on_error: ErrorHandler | None = None
    ) -> bool:
        """Run `fn` on the pool; False (and nothing runs) when closed or overloaded."""
        with self._lock:
            if self._closed or self._pending >= self._max_pending:
                logger.warning(
                    "job %s refused: %s", label, "shutting down" if self._closed else "overloaded"
                )
                return False
            self._pending += 1
        try:
            future: Future[None] = self._executor.submit(self._run, label, fn, on_error)
        except RuntimeError:
            with self._lock:
                self._pending -= 1
            logger.warning("job %s refused: shutting down", label)
            return False
        del future
        return True

    def _run(self, label: str, fn: Callable[[], None], on_error: ErrorHandler | None) -> None:
        try:
            fn()
        except BaseException as exc:
            log_failure(label, exc)
            if on_error is not None:
                try:
                    on_error(exc)
                except BaseException as nested:
                    log_failure(f"{label} (error report)", nested)
        finally:
            with self._lock:
                self._pending -= 1

    def shutdown(self, wait: bool = True) -> None:
        """Refuse new jobs; with `wait`, return once the jobs in flight have finished."""
        with self._lock:
            self._closed = True
        self._executor.shutdown(wait=wait, cancel_futures=not wait)


def log_failure(label: str, exc: BaseException) -> None:
    """Log a failure by type and code location only: exception messages may carry PII."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = " <- ".join(
        f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in reversed(frames[-4:])
    )
    logger.error("job %s failed: %s at %s", label, type(exc).__name__, where or "?")
