"""A small threaded HTTP/1.1 server on loopback that hands each request to a responder function."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl

_log = logging.getLogger(__name__)

MAX_REQUEST_BODY = 10 * 1024 * 1024
IDLE_TIMEOUT_SECONDS = 120.0


@dataclass(frozen=True)
class Incoming:
    """One parsed request: `raw_path` is still percent-encoded and has no query string."""

    method: str
    raw_path: str
    query_string: str
    headers: Message
    body: bytes
    at: float

    @property
    def query(self) -> dict[str, str]:
        """Query parameters, decoded; the last value wins when a name repeats."""
        return dict(parse_qsl(self.query_string, keep_blank_values=True))


@dataclass
class Outgoing:
    """What to send back; `delay`, `reset` and `trickle_interval` model a misbehaving server."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    reset: bool = False
    trickle_interval: float | None = None


Responder = Callable[[Incoming], Outgoing]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # the default backlog of 5 drops connections under benchmark bursts

    def __init__(self, address: tuple[str, int], responder: Responder, clock: Callable[[], float]):
        self.responder = responder
        self.clock = clock
        self.stopping = threading.Event()
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK add ~40 ms to every answer on a kept-alive connection.
    disable_nagle_algorithm = True
    timeout = IDLE_TIMEOUT_SECONDS
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.open_connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.open_connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        # Paths carry identifier values (PII); the sandbox logs nothing.
        return

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def _dispatch(self) -> None:
        at = self.server.clock()
        if self.headers.get("Transfer-Encoding"):
            # Chunked request bodies are not supported; refuse rather than misread the stream.
            self._send(Outgoing(411, b'{"error":"send a Content-Length"}'))
            self.close_connection = True
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_REQUEST_BODY:
            self._send(Outgoing(413 if length > 0 else 400, b'{"error":"bad request body"}'))
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        raw_path, _, query_string = self.path.partition("?")
        incoming = Incoming(self.command, raw_path, query_string, self.headers, body, at)
        try:
            outgoing = self.server.responder(incoming)
        except Exception as exc:
            # Only the exception type: messages and tracebacks could carry identifier values.
            _log.error("sandbox responder failed: %s", type(exc).__name__)
            outgoing = Outgoing(
                500, b'{"error":{"code":"server_error","message":"Sandbox error."}}'
            )
        if outgoing.delay > 0 and self.server.stopping.wait(outgoing.delay):
            self._drop_connection()
            return
        if outgoing.reset:
            self._drop_connection()
            return
        self._send(outgoing)

    def _drop_connection(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send(self, outgoing: Outgoing) -> None:
        try:
            self.send_response(outgoing.status)
            headers = {"Content-Type": "application/json", **outgoing.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(outgoing.body)))
            self.end_headers()
            if self.command == "HEAD":
                return
            if outgoing.trickle_interval is None:
                self.wfile.write(outgoing.body)
                return
            self.wfile.flush()
            for index in range(len(outgoing.body)):
                self.wfile.write(outgoing.body[index : index + 1])
                self.wfile.flush()
                if self.server.stopping.wait(outgoing.trickle_interval):
                    self._drop_connection()
                    return
        except OSError:
            # The client went away mid-answer (a timeout on its side); nothing left to do.
            self.close_connection = True


class LoopbackHttpServer:
    """Serves a responder on host:port in a daemon thread; stop() also closes kept-alive sockets."""

    def __init__(
        self, responder: Responder, *, host: str, port: int, clock: Callable[[], float]
    ) -> None:
        self._responder = responder
        self._address = (host, port)
        self._clock = clock
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port (useful after binding port 0)."""
        if self._server is None:
            raise RuntimeError("server is not running")
        return int(self._server.server_address[1])

    @property
    def host(self) -> str:
        """The bound host."""
        return self._address[0]

    def start(self) -> None:
        """Bind and serve in a daemon thread."""
        if self._server is not None:
            return
        self._server = _Server(self._address, self._responder, self._clock)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sandbox-http-{self.port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting, wake delayed answers and close every open connection."""
        server, self._server = self._server, None
        if server is None:
            return
        server.stopping.set()
        server.shutdown()
        server.server_close()
        with server.connections_lock:
            connections = list(server.open_connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


class LoopbackService:
    """Start/stop and `with` support for a sandbox served by `self._server`."""

    _server: LoopbackHttpServer

    def start(self) -> Self:
        """Serve in a daemon thread."""
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving and close open connections."""
        self._server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
