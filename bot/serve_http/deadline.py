"""waitress with a deadline for reading each request, and the settings the bot serves with.

waitress's own `channel_timeout` is an *idle* timeout: every byte received resets it, so a client
trickling one byte a second is never closed and, with enough of them, fills `connection_limit`
(at which point waitress stops accepting anybody). `DeadlineServer` also closes a connection
whose current request (headers and body) is not complete `REQUEST_READ_DEADLINE_SECONDS` after
its first byte, and when nearly full it drops the oldest connections that are still sending or
silent instead of letting waitress stop accepting. Slack sends a whole request in milliseconds.
"""

from __future__ import annotations

import time
from typing import Any

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer

from bot.slack.hardening import DEFAULT_MAX_BODY_BYTES

# Seconds a client has to send one whole request, from its first byte.
REQUEST_READ_DEADLINE_SECONDS = 10.0
# Seconds a connection may sit idle before its first byte or between keep-alive requests.
IDLE_TIMEOUT_SECONDS = 10
# Nearly full (this share of connection_limit): the oldest slow connections are dropped.
SHED_AT = 0.9
SHED_MIN_AGE_SECONDS = 1.0
MAX_HEADER_BYTES = 16 * 1024  # Slack's headers are well under 2 kB; 431 above this
SERVER_NAME = "profile-bot"  # the Server: header (waitress's default names itself)

# Sent to a client whose request was not in by the deadline, just before closing.
_TIMEOUT_ANSWER = (
    b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n"
    b"Server: " + SERVER_NAME.encode() + b"\r\n\r\n"
)


class DeadlineChannel(HTTPChannel):  # type: ignore[misc]
    """A waitress connection that remembers when the request it is reading began."""

    reading_since: float | None = None  # monotonic time of the partial request's first byte
    _reading: Any = None  # the partial request (waitress's parser) being timed

    def received(self, data: bytes) -> bool:
        """Parse `data` as waitress does, then note when a new partial request started."""
        result: bool = super().received(data)
        # Runs in the I/O thread only, as does maintenance(): no lock needed for our fields.
        partial: Any = self.request  # waitress's parser of the request not yet complete
        if partial is None:  # nothing partial: every byte so far formed whole requests
            self.reading_since, self._reading = None, None
        elif partial is not self._reading:
            self.reading_since, self._reading = time.monotonic(), partial
        return result

    def overdue(self, cutoff: float) -> bool:
        """True when a partial request began before `cutoff` and nothing is being answered."""
        return self.reading_since is not None and self.reading_since < cutoff and not self.requests

    def sheddable(self) -> bool:
        """True when nothing is being answered and the connection is not already closing."""
        return not (self.requests or self.total_outbufs_len or self.will_close) and not (
            self.close_when_flushed
        )

    def time_out(self) -> None:
        """Answer 408 and close once it is sent; the request never reaches a thread."""
        self.request, self.reading_since, self._reading = None, None, None
        with self.outbuf_lock:
            self.outbufs[-1].append(_TIMEOUT_ANSWER)
            self.total_outbufs_len += len(_TIMEOUT_ANSWER)
        self.close_when_flushed = True  # readable() is False from now on: no more parsing


class DeadlineServer(TcpWSGIServer):  # type: ignore[misc]
    """waitress's TCP server that also times out requests not read in full by the deadline, and
    sheds the oldest slow connections rather than stop accepting when nearly full."""

    channel_class = DeadlineChannel
    request_read_deadline = REQUEST_READ_DEADLINE_SECONDS

    def readable(self) -> bool:
        """Before waitress checks its connection limit: make room if nearly full."""
        if self.accepting and len(self._map) >= self.adj.connection_limit * SHED_AT:
            self.shed(time.monotonic(), time.time())
        return bool(super().readable())

    def shed(self, now: float, wall_now: float) -> None:
        """Time out the oldest tenth of the connections that are not being answered.

        At its limit waitress stops accepting, which would lock Slack out for as long as slow
        clients keep coming. Slack sends a request in milliseconds, so a connection still
        sending (or silent) after SHED_MIN_AGE_SECONDS while the server is nearly full is the
        one to drop.
        """
        candidates = []
        for channel in self.active_channels.values():
            if not isinstance(channel, DeadlineChannel) or not channel.sheddable():
                continue
            if channel.reading_since is not None:
                age = now - channel.reading_since
            else:  # silent since it connected, or idle between keep-alive requests
                age = wall_now - channel.last_activity
            if age >= SHED_MIN_AGE_SECONDS:
                candidates.append((age, channel))
        candidates.sort(key=lambda pair: pair[0], reverse=True)
        for _, channel in candidates[: max(1, self.adj.connection_limit // 10)]:
            channel.time_out()

    def maintenance(self, now: float) -> None:
        """Every `cleanup_interval` s: waitress's idle timeout, then the read deadline."""
        super().maintenance(now)
        cutoff = time.monotonic() - self.request_read_deadline
        for channel in list(self.active_channels.values()):
            if isinstance(channel, DeadlineChannel) and channel.overdue(cutoff):
                channel.time_out()


def server_adjustments(threads: int, **overrides: Any) -> Adjustments:
    """waitress's settings for one worker process; `overrides` are for tests and benchmarks."""
    options: dict[str, Any] = {
        "threads": threads,  # application threads: only complete requests reach them
        "channel_timeout": IDLE_TIMEOUT_SECONDS,
        "cleanup_interval": 1,  # how often maintenance() runs: the deadline's resolution
        # Stalled clients cost a socket and a few kB each; the default (100) is easy to fill.
        "connection_limit": 1000,
        "asyncore_use_poll": True,  # select() cannot watch file descriptors above 1023
        "max_request_header_size": MAX_HEADER_BYTES,
        "max_request_body_size": DEFAULT_MAX_BODY_BYTES,  # 413 from waitress, before any thread
        "inbuf_overflow": 64 * 1024,  # a bigger body (up to the cap) waits in a temp file
        "ident": SERVER_NAME,
        "expose_tracebacks": False,
        # X-Forwarded-* are dropped unless a trusted proxy is configured (none is, see README).
        "clear_untrusted_proxy_headers": True,
        "log_socket_errors": False,  # clients that go away are not the operator's problem
    }
    options.update(overrides)
    return Adjustments(**options)
