"""The HTTP front of HTTP mode: gunicorn's master, waitress inside each worker (issue 11 §1).

gunicorn's gthread worker hands a connection to an application thread *before* the request has
been read, so a client that sends headers and then trickles its body, or never finishes its
headers, holds a thread for as long as it likes; a dozen of them stop the bot. waitress reads
every request (headers and body) in its I/O loop and queues it for a thread only once it is
complete; `deadline` adds what waitress lacks (a total deadline for reading one request), and
`worker` runs it inside gunicorn, which keeps WEB_CONCURRENCY processes, restarts, SIGTERM and the
worker_exit hook that lets lookups in flight finish.

The two modules use waitress internals (HTTPChannel.received/request, BaseWSGIServer.maintenance,
ThreadedTaskDispatcher): pyproject pins waitress to the 3.0 series for that reason, and
tests/security/test_slow_clients.py proves the behaviour on every run.
"""

from __future__ import annotations

from bot.serve_http.deadline import (
    IDLE_TIMEOUT_SECONDS,
    REQUEST_READ_DEADLINE_SECONDS,
    SERVER_NAME,
    server_adjustments,
)

# gunicorn's `worker_class` for HTTP mode (imported by gunicorn in each worker, by this name).
WORKER_CLASS = "bot.serve_http.worker.WaitressWorker"

__all__ = [
    "IDLE_TIMEOUT_SECONDS",
    "REQUEST_READ_DEADLINE_SECONDS",
    "SERVER_NAME",
    "WORKER_CLASS",
    "server_adjustments",
]
