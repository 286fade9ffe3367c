"""A real, throwaway redis-server on a free loopback port, for tests and benchmarks."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import redis

MISSING_MESSAGE = (
    "redis-server was not found (looked at $REDIS_SERVER, the PATH and /usr/bin/redis-server). "
    "The Redis tests need a real one: run scripts/ensure-redis.sh (it installs Debian's "
    "redis-server package), then run the tests again."
)


class RedisServerMissing(RuntimeError):
    """No redis-server binary on this machine."""


def find_redis_server() -> str:
    """Path of a redis-server binary, or RedisServerMissing saying how to install one."""
    for candidate in (os.environ.get("REDIS_SERVER"), shutil.which("redis-server")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    if os.access("/usr/bin/redis-server", os.X_OK):
        return "/usr/bin/redis-server"
    raise RedisServerMissing(MISSING_MESSAGE)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class TlsFiles:
    """PEM files for a TLS-only server: its certificate and key, and the CA that signed it."""

    cert: Path
    key: Path
    ca: Path


class RedisServer:
    """Starts redis-server in a temp dir, no persistence, on 127.0.0.1; `stop()` ends it.

    `password` turns on AUTH (requirepass); `tls` serves TLS only (rediss://) on the port.
    """

    def __init__(
        self, port: int | None = None, *, password: str | None = None, tls: TlsFiles | None = None
    ) -> None:
        self.binary = find_redis_server()
        self.password = password
        self.tls = tls
        self._auto_port = port is None
        self.port = port or free_port()
        self._dir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._started_once = False

    @property
    def url(self) -> str:
        """`redis://127.0.0.1:PORT/0`, with `:password@` and as rediss:// (trusting the test CA)
        when the server has them."""
        auth = f":{quote(self.password, safe='')}@" if self.password else ""
        if self.tls is None:
            return f"redis://{auth}127.0.0.1:{self.port}/0"
        ca = quote(str(self.tls.ca), safe="/")
        return f"rediss://{auth}127.0.0.1:{self.port}/0?ssl_ca_certs={ca}"

    @property
    def running(self) -> bool:
        """True while the server process is alive."""
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 10.0) -> RedisServer:
        """Start the server (again, on the same port) and wait until it answers PING."""
        if self.running:
            return self
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="profile-bot-redis-"))
        args = [
            self.binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self._dir),
            "--daemonize",
            "no",
            "--logfile",
            str(self._dir / "redis.log"),
        ]
        if self.password is not None:
            args += ["--requirepass", self.password]
        if self.tls is not None:
            args[1:3] = ["--port", "0", "--tls-port", str(self.port)]
            args += ["--tls-cert-file", str(self.tls.cert), "--tls-key-file", str(self.tls.key)]
            args += ["--tls-ca-cert-file", str(self.tls.ca), "--tls-auth-clients", "no"]
        self._process = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self._dir
        )
        try:
            self._wait_ready(timeout)
        except RuntimeError:
            # Another process may have taken the free port in between; pick another once.
            if not self._auto_port or self._started_once:
                raise
            self.port = free_port()
            self._started_once = True
            return self.start(timeout)
        self._started_once = True
        return self

    def _wait_ready(self, timeout: float) -> None:
        client = self.client(socket_timeout=0.5, socket_connect_timeout=0.2)
        give_up = time.monotonic() + timeout
        try:
            while True:
                if self._process is not None and self._process.poll() is not None:
                    raise RuntimeError(f"redis-server exited at start: {self._log_tail()}")
                try:
                    if client.ping():
                        return
                except redis.RedisError:
                    pass
                if time.monotonic() > give_up:
                    self.stop()
                    raise RuntimeError(f"redis-server did not answer PING: {self._log_tail()}")
                time.sleep(0.02)
        finally:
            client.close()

    def _log_tail(self) -> str:
        log = self._dir / "redis.log" if self._dir else None
        if log is None or not log.exists():
            return "(no log)"
        return log.read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        """Stop the server process; the temp dir stays until `close()`."""
        process, self._process = self._process, None
        if process is None:
            return
        process.send_signal(signal.SIGCONT)  # in case it is paused
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): it keeps its data, connections hang until `resume()`."""
        if self._process is not None:
            self._process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """Let a paused server run again (SIGCONT)."""
        if self._process is not None:
            self._process.send_signal(signal.SIGCONT)

    def close(self) -> None:
        """Stop the server and remove its temp dir."""
        self.stop()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def client(self, **options: float) -> redis.Redis:
        """A plain client on this server (for test set-up and inspection)."""
        return redis.Redis.from_url(self.url, **{"socket_timeout": 2.0, **options})

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
