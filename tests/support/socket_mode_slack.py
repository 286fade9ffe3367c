"""A Socket Mode front for SlackApiSandbox: `apps.connections.open` and a real WebSocket endpoint.

Slack's Socket Mode (slack-platform.md §4): the app calls `apps.connections.open` with its
app-level token, gets a `wss://` URL, opens a WebSocket there and receives each request as an
envelope it must acknowledge with `{"envelope_id": …, "payload": …}`. This server plays Slack's
side over plain `ws://` on 127.0.0.1 (slack_sdk's built-in client uses a non-TLS socket for any
port but 443). Every other Web API call is forwarded unchanged to the SlackApiSandbox behind it, so
the bot sees one Slack at `api_url`.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import secrets
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import httpx

from bot.sandbox.slack_api import SlackApiSandbox

_WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_TEXT, _CLOSE, _PING, _PONG = 0x1, 0x8, 0x9, 0xA
_FORWARDED_HEADERS = ("content-type", "x-oauth-scopes", "retry-after")


class _Connection:
    """One client WebSocket: frames in (masked, from the app) and out (unmasked, from Slack)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._send_lock = threading.Lock()
        self.open = True

    def send(self, opcode: int, payload: bytes) -> None:
        header = bytes([0x80 | opcode])
        size = len(payload)
        if size < 126:
            header += bytes([size])
        elif size < 1 << 16:
            header += bytes([126]) + struct.pack("!H", size)
        else:
            header += bytes([127]) + struct.pack("!Q", size)
        with self._send_lock:
            self.sock.sendall(header + payload)

    def send_json(self, message: dict[str, Any]) -> None:
        self.send(_TEXT, json.dumps(message).encode())

    def _read_exactly(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            if not chunk:
                raise ConnectionError("client went away")
            data += chunk
        return data

    def read_frame(self) -> tuple[int, bytes]:
        first, second = self._read_exactly(2)
        size = second & 0x7F
        if size == 126:
            (size,) = struct.unpack("!H", self._read_exactly(2))
        elif size == 127:
            (size,) = struct.unpack("!Q", self._read_exactly(8))
        mask = self._read_exactly(4) if second & 0x80 else b"\0\0\0\0"
        data = self._read_exactly(size)
        return first & 0x0F, bytes(b ^ mask[i % 4] for i, b in enumerate(data))


class SocketModeSlack:
    """See the module docstring. `with SocketModeSlack(slack_api, app_token=…) as slack: …`."""

    def __init__(self, slack_api: SlackApiSandbox, *, app_token: str) -> None:
        self.slack_api = slack_api
        self.app_token = app_token
        self._lock = threading.Condition()
        self._connections: list[_Connection] = []
        self._acks: dict[str, dict[str, Any]] = {}
        self.connections_opened = 0  # successful apps.connections.open calls
        self.refused = 0  # apps.connections.open calls with a wrong token
        self._http = httpx.Client(timeout=10)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def api_url(self) -> str:
        """The Web API base URL to give the bot as SLACK_API_URL."""
        return f"http://127.0.0.1:{self._server.server_port}/api/"

    def new_response_url(self) -> str:
        """A fresh response_url of the sandbox, served through this Slack (the bot posts only to
        SLACK_API_URL's origin or Slack's own response_url host)."""
        sandbox_url = self.slack_api.new_response_url()
        path = sandbox_url[sandbox_url.index("/response/") :]
        return f"http://127.0.0.1:{self._server.server_port}{path}"

    def start(self) -> SocketModeSlack:
        """Serve in a daemon thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close every WebSocket and stop serving."""
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            connection.open = False
            with contextlib.suppress(OSError):
                connection.sock.shutdown(socket.SHUT_RDWR)
        self._server.shutdown()
        self._server.server_close()
        self._http.close()

    def __enter__(self) -> SocketModeSlack:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- driving the app -------------------------------------------------------------------

    def wait_connected(self, timeout: float = 10.0) -> None:
        """Block until the app has an open WebSocket (it received `hello`)."""
        with self._lock:
            if not self._lock.wait_for(lambda: any(c.open for c in self._connections), timeout):
                raise TimeoutError("the app never opened a Socket Mode WebSocket")

    def connected(self) -> bool:
        """True while the app holds an open WebSocket."""
        with self._lock:
            return any(c.open for c in self._connections)

    def send_command(self, form_body: str) -> str:
        """Deliver a slash command (a `command_body()` form) as Slack would; returns envelope_id."""
        payload = dict(parse_qsl(form_body, keep_blank_values=True))
        return self.send_envelope("slash_commands", payload, accepts_response_payload=True)

    def send_envelope(
        self, kind: str, payload: dict[str, Any], *, accepts_response_payload: bool = False
    ) -> str:
        """Send one envelope on the newest open WebSocket; returns its envelope_id."""
        envelope_id = secrets.token_hex(8)
        with self._lock:
            live = [c for c in self._connections if c.open]
        if not live:
            raise ConnectionError("no open Socket Mode connection")
        live[-1].send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": accepts_response_payload,
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """The acknowledgement the app sent for `envelope_id` (its `payload`, or {})."""
        with self._lock:
            if not self._lock.wait_for(lambda: envelope_id in self._acks, timeout):
                raise TimeoutError(f"no ack for envelope {envelope_id}")
            return self._acks[envelope_id]

    # -- serving ---------------------------------------------------------------------------

    def _open_connection(self, authorization: str) -> dict[str, Any]:
        if authorization != f"Bearer {self.app_token}":
            self.refused += 1
            return {"ok": False, "error": "invalid_auth"}
        self.connections_opened += 1
        ticket = secrets.token_hex(8)
        port = self._server.server_port
        return {"ok": True, "url": f"ws://127.0.0.1:{port}/link/?ticket={ticket}&app_id=A0SOCKET"}

    def _serve_websocket(self, connection: _Connection) -> None:
        with self._lock:
            self._connections.append(connection)
            self._lock.notify_all()
        connection.send_json(
            {
                "type": "hello",
                "num_connections": 1,
                "debug_info": {"host": "socket-mode-slack", "approximate_connection_time": 3600},
                "connection_info": {"app_id": "A0SOCKET"},
            }
        )
        try:
            while connection.open:
                opcode, data = connection.read_frame()
                if opcode == _PING:
                    connection.send(_PONG, data)
                elif opcode == _CLOSE:
                    connection.send(_CLOSE, data[:2])
                    break
                elif opcode == _TEXT:
                    message = json.loads(data)
                    with self._lock:
                        self._acks[message["envelope_id"]] = message.get("payload") or {}
                        self._lock.notify_all()
        except (ConnectionError, OSError, ValueError):
            pass
        finally:
            with self._lock:
                connection.open = False
                self._lock.notify_all()

    def _forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> httpx.Response:
        if path.startswith("/response/"):
            target = self.slack_api.api_url.removesuffix("/api/") + path
        else:
            target = self.slack_api.api_url + path.removeprefix("/api/")
        keep = {k: v for k, v in headers.items() if k.lower() in ("authorization", "content-type")}
        return self._http.request(method, target, headers=keep, content=body)


def _handler_for(owner: SocketModeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            body = self._body()
            if self.path.split("?")[0] == "/api/apps.connections.open":
                answer = owner._open_connection(self.headers.get("Authorization", ""))
                data = json.dumps(answer).encode()
                self._answer(200, data, {"Content-Type": "application/json"})
                return
            self._relay("POST", body)

        def do_GET(self) -> None:
            if self.headers.get("Upgrade", "").lower() == "websocket":
                self._upgrade()
                return
            self._relay("GET", b"")

        def _relay(self, method: str, body: bytes) -> None:
            response = owner._forward(method, self.path, dict(self.headers), body)
            keep = {k: v for k, v in response.headers.items() if k.lower() in _FORWARDED_HEADERS}
            self._answer(response.status_code, response.content, keep)

        def _upgrade(self) -> None:
            key = self.headers.get("Sec-WebSocket-Key", "")
            accept = base64.b64encode(hashlib.sha1((key + _WS_GUID).encode()).digest()).decode()
            self.send_response(101, "Switching Protocols")
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            self.send_header("Sec-WebSocket-Accept", accept)
            self.end_headers()
            self.wfile.flush()
            self.connection.settimeout(None)
            owner._serve_websocket(_Connection(self.connection))
            self.close_connection = True

    return Handler


def wait_until(predicate: Any, timeout: float = 5.0, interval: float = 0.02) -> None:
    """Poll `predicate()` until it is true, or TimeoutError."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(interval)
