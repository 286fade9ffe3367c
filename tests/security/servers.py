"""Small misbehaving servers on 127.0.0.1 for faults the sandboxes cannot produce themselves."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

_HOP_BY_HOP = {"connection", "content-length", "transfer-encoding", "keep-alive", "host"}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    api_url = ""  # set by slow_slack()
    base_url = ""  # set by lying_upstream()


@contextmanager
def _serving(handler: type[BaseHTTPRequestHandler], **attrs: Any) -> Iterator[_Server]:
    server = _Server(("127.0.0.1", 0), handler)
    for name, value in attrs.items():
        setattr(server, name, value)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        stopping = getattr(server, "stopping", None)
        if stopping is not None:
            stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class _SlowSlackHandler(BaseHTTPRequestHandler):
    server: Any

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        method = self.path.split("?", 1)[0].rsplit("/", 1)[-1]
        if method in self.server.hang:
            with self.server.lock:
                self.server.hung.append(method)
            # Never answer: the client's own timeout is what ends this call.
            self.server.stopping.wait(self.server.hang[method])
            self.close_connection = True
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        answer = httpx.request(
            self.command, self.server.target + self.path, headers=headers, content=body
        )
        self.send_response(answer.status_code)
        for name, value in answer.headers.items():
            if name.lower() not in _HOP_BY_HOP and name.lower() != "content-encoding":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)


@contextmanager
def slow_slack(origin: str, hang: dict[str, float]) -> Iterator[Any]:
    """A proxy in front of the Slack slack_api at `origin` that never answers the `hang` methods
    (method name → seconds to hold the connection). Yields the server: `.api_url`, `.hung`."""
    with _serving(
        _SlowSlackHandler,
        target=origin.rstrip("/"),
        hang=dict(hang),
        hung=[],
        lock=threading.Lock(),
        stopping=threading.Event(),
    ) as server:
        server.api_url = f"http://127.0.0.1:{server.server_port}/api/"
        yield server


class _LyingHandler(BaseHTTPRequestHandler):
    """Answers every GET 200 with a Content-Length far larger than the few bytes it sends."""

    server: Any
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.requests += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(50 * 1024 * 1024))
        self.end_headers()
        self.wfile.write(b'{"traits": {')
        self.wfile.flush()
        self.close_connection = True


@contextmanager
def lying_upstream() -> Iterator[Any]:
    """A Profile API sandbox whose Content-Length lies (claims 50 MB). Yields the server:
    `.base_url`, `.requests`."""
    with _serving(_LyingHandler, requests=0, lock=threading.Lock()) as server:
        server.base_url = f"http://127.0.0.1:{server.server_port}/"
        yield server
