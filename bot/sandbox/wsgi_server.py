"""Serve a WSGI app on 127.0.0.1 in a thread: the demo and the tests drive the real app so."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.types import WSGIApplication


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops the SYNs of a burst of connections, which the
    # client then resends only after a second.
    request_queue_size = 128

    def shutdown_request(self, request: Any) -> None:
        # Lingering close, as production servers do: closing a socket that still holds unread
        # request bytes makes the kernel send RST, which can destroy the answer in flight.
        try:
            request.shutdown(socket.SHUT_WR)
            request.settimeout(0.5)
            while request.recv(65536):
                pass
        except OSError:
            pass
        self.close_request(request)


class _QuietHandler(WSGIRequestHandler):
    # Request lines carry nothing secret here, but the bot's own logs are the only ones we want.
    def log_message(self, format: str, *args: Any) -> None:
        pass


class LoopbackWsgiServer:
    """A threaded WSGI server on 127.0.0.1 and a free port; `url` is its base URL."""

    def __init__(self, app: WSGIApplication) -> None:
        self._server = make_server("127.0.0.1", 0, app, _ThreadingServer, _QuietHandler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> LoopbackWsgiServer:
        """Start serving in a daemon thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@contextmanager
def serve_wsgi(app: WSGIApplication) -> Iterator[str]:
    """Yield the base URL (`http://127.0.0.1:PORT`) of `app` served until the block ends."""
    server = LoopbackWsgiServer(app).start()
    try:
        yield server.url
    finally:
        server.stop()
