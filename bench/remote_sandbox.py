"""The Profile API sandbox in a process of its own, steered over its /_sandbox/ endpoints.

The benchmark's client threads and the Slack sandbox live in the benchmark process; were the
sandbox there too, its request timestamps would wait for that process's GIL. Its own process
records arrivals as they happen. `RecordedRequest.at` is time.monotonic(), which on Linux is
one clock for every process, so it compares with the benchmark's own readings.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx

from bot.sandbox.faults import Fault
from bot.sandbox.redis_server import free_port

REPO_ROOT = Path(__file__).resolve().parents[1]
_SERVE = (
    "import sys; from pathlib import Path; from bot.sandbox.profile_api import serve_forever; "
    "serve_forever(int(sys.argv[1]), rate_limit_rps=float(sys.argv[2]), "
    "customers_path=Path(sys.argv[3]))"
)


class RemoteSandbox:
    """`profile-bot sandbox` with generated customers, as a subprocess; the same methods the
    benchmark uses on an in-process ProfileApiSandbox."""

    token = "sandbox-token"
    space_id = "spa_sandbox"

    def __init__(self, customers_path: Path, *, rate_limit_rps: float = 100.0) -> None:
        self.port = free_port()
        self._args = [str(self.port), str(rate_limit_rps), str(customers_path)]
        self._process: subprocess.Popen[bytes] | None = None
        self._http = httpx.Client(base_url=self.base_url, timeout=10.0)

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT/`."""
        return f"http://127.0.0.1:{self.port}/"

    def start(self, timeout: float = 15.0) -> RemoteSandbox:
        """Start it and wait until the control endpoint answers."""
        self._process = subprocess.Popen(
            [sys.executable, "-c", _SERVE, *self._args],
            cwd=REPO_ROOT,
            stdout=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        give_up = time.monotonic() + timeout
        while True:
            if self._process.poll() is not None:
                raise RuntimeError("the sandbox process exited at start")
            with contextlib.suppress(httpx.HTTPError):
                if self._http.get("_sandbox/customers").status_code == 200:
                    return self
            if time.monotonic() > give_up:
                self.stop()
                raise RuntimeError("the sandbox process did not answer")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the process."""
        self._http.close()
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)

    def __enter__(self) -> RemoteSandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def add_fault(self, fault: Fault) -> None:
        """Inject a fault."""
        self._http.post("_sandbox/faults", json=[fault.to_json()]).raise_for_status()

    def clear_faults(self) -> None:
        """Remove every fault."""
        self._http.delete("_sandbox/faults").raise_for_status()

    def requests(self) -> list[Any]:
        """Recorded Profile API requests (attributes as RecordedRequest: at, segment, status…)."""
        answer = self._http.get("_sandbox/requests")
        answer.raise_for_status()
        return [SimpleNamespace(**item) for item in answer.json()]

    def clear_requests(self) -> None:
        """Forget recorded requests."""
        self._http.delete("_sandbox/requests").raise_for_status()

    def set_rate_limit(self, rate_limit_rps: float | None) -> None:
        """Change the per-space limit (None: off) and forget the current window."""
        self._http.put("_sandbox/rate_limit", json={"rps": rate_limit_rps}).raise_for_status()
