"""Serve a WSGI app on 127.0.0.1 in a thread (for tests that need real HTTP)."""

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
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve_wsgi(app: WSGIApplication) -> Iterator[str]:
    """Yield the base URL (`http://127.0.0.1:PORT`) of `app` served until the block ends."""
    server = make_server("127.0.0.1", 0, app, _ThreadingServer, _QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
