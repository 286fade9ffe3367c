"""Slow and stalled HTTP clients over raw sockets (127.0.0.1 only), every loop bounded in time.

`hold_slow_clients` opens `count` connections to a port: even ones send complete headers with
`Content-Length: 1000` and three bytes of body, then one more body byte a second; odd ones send
an unfinished header block and then (`stall_headers=False`) one more header byte a second, or
nothing at all. It holds them for `hold` seconds and reports when the server closed each one, and
what it answered before closing.
"""

from __future__ import annotations

import selectors
import socket
import time
from dataclasses import dataclass

HOST = "127.0.0.1"

_BODY_TRICKLER = (
    b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\n"
    b"X-Slack-Request-Timestamp: 1\r\nX-Slack-Signature: v0=00\r\n"
    b"Content-Length: 1000\r\n\r\nabc"
)
_UNFINISHED_HEADERS = b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a"


@dataclass
class SlowClient:
    """One slow connection and what became of it."""

    kind: str  # "body" (trickles its body) or "headers" (never finishes its headers)
    sock: socket.socket
    trickles: bool
    closed_after: float | None = None  # seconds from the start until the server closed it
    answer: bytes = b""  # what the server sent before closing

    def close(self, started: float, selector: selectors.BaseSelector) -> None:
        """Note that the server closed the connection."""
        if self.closed_after is None:
            self.closed_after = time.monotonic() - started
            selector.unregister(self.sock)


def _open(port: int, index: int, stall_headers: bool) -> SlowClient:
    sock = socket.create_connection((HOST, port), timeout=5)
    if index % 2 == 0:
        sock.sendall(_BODY_TRICKLER)
        client = SlowClient("body", sock, trickles=True)
    else:
        sock.sendall(_UNFINISHED_HEADERS)
        client = SlowClient("headers", sock, trickles=not stall_headers)
    sock.setblocking(False)
    return client


def hold_slow_clients(
    port: int, *, count: int = 50, hold: float = 15.0, stall_headers: bool = False
) -> list[SlowClient]:
    """Hold `count` slow connections for `hold` seconds (a byte a second); report each one."""
    started = time.monotonic()
    clients = [_open(port, i, stall_headers) for i in range(count)]
    selector = selectors.DefaultSelector()
    for client in clients:
        selector.register(client.sock, selectors.EVENT_READ, client)
    next_byte = started + 1.0
    try:
        while (now := time.monotonic()) < started + hold:
            wait = max(0.0, min(next_byte, started + hold) - now)
            for key, _ in selector.select(timeout=wait):
                client = key.data
                try:
                    data = client.sock.recv(4096)
                except OSError:  # reset by the server
                    data = b""
                if data:
                    client.answer += data
                else:
                    client.close(started, selector)
            if time.monotonic() >= next_byte:
                next_byte += 1.0
                for client in clients:
                    if client.trickles and client.closed_after is None:
                        try:
                            client.sock.send(b"x")
                        except OSError:
                            client.close(started, selector)
    finally:
        selector.close()
        for client in clients:
            client.sock.close()
    return clients
