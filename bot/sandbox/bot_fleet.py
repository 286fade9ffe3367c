"""Bot processes serving HTTP (`python -m bot run --mode http`, gunicorn) on free ports, for the
scale-out tests and bench/card_bench.py, plus what they need around them: generated customers,
the environment for a sandbox Profile API and a Slack sandbox, and signed `/profile` requests.

(tests/support/bot_process.py is the CLI tests' helper for one-off runs of the command; this
module runs long-lived servers side by side and records their logs and audit lines in files.)
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx

from bot.sandbox import credentials as test_secrets
from bot.sandbox.redis_server import free_port
from bot.sandbox.signing import command_body, sign_headers
from bot.sandbox.slack_api import SlackApiSandbox

REPO_ROOT = Path(__file__).resolve().parents[2]
TEAM = "T0SANDBOX"
GROUP_ID = "S0CSTEAM"
GROUP_HANDLE = "cs-team"
MEMBER = "U0SANDBOX1"  # the signing helpers' default user
_INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")


class BotServerError(RuntimeError):
    """The bot process did not come up (its log tail is in the message)."""


class BotServer:
    """One bot process tree (gunicorn master and its worker) in a session of its own.

    `stop()` asks for a graceful stop (SIGTERM: lookups in flight finish); `kill()` is SIGKILL
    to the whole tree at once, like an OOM kill or a lost machine. Output goes to files in a
    temp dir: stderr (the log lines) via `logs()`, stdout (audit records) via `audit()`.
    """

    def __init__(self, env: Mapping[str, str], *, name: str = "bot") -> None:
        self.name = name
        self.env = dict(env)
        self.port = 0
        self._dir = Path(tempfile.mkdtemp(prefix=f"profile-bot-{name}-"))
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT`."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def events_url(self) -> str:
        """Where Slack posts: `http://127.0.0.1:PORT/slack/events`."""
        return f"{self.url}/slack/events"

    @property
    def session_id(self) -> int:
        """The master's pid, which is also the session id of every process of the bot."""
        if self._process is None:
            raise BotServerError(f"{self.name} was never launched")
        return self._process.pid

    @property
    def running(self) -> bool:
        """True while the master process is alive."""
        return self._process is not None and self._process.poll() is None

    def launch(self) -> BotServer:
        """Start the process without waiting for it (see `wait_ready`)."""
        if self.running:
            return self
        self.port = free_port()
        environ = {k: os.environ[k] for k in _INHERITED if k in os.environ}
        environ.update(
            {
                "PYTHONPATH": str(REPO_ROOT),
                "PYTHONUNBUFFERED": "1",
                "PYTHONDONTWRITEBYTECODE": "1",
                "WEB_CONCURRENCY": "1",
                # gunicorn's control socket defaults to $HOME/.gunicorn/gunicorn.ctl: one path
                # for every bot on the machine. Give each process its own.
                "XDG_RUNTIME_DIR": str(self._dir),
            }
        )
        environ.update(self.env)
        environ["PORT"] = str(self.port)
        with (
            (self._dir / "stdout.log").open("ab") as out,
            (self._dir / "stderr.log").open("ab") as err,
        ):
            self._process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--mode", "http"],
                cwd=self._dir,  # no stray ./.env is read
                env=environ,
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # own process group: kill() reaches the worker too
            )
        return self

    def wait_ready(self, timeout: float = 30.0) -> BotServer:
        """Block until GET /healthz answers 200; BotServerError (with the log tail) otherwise."""
        give_up = time.monotonic() + timeout
        with httpx.Client(timeout=1.0) as client:
            while True:
                if not self.running:
                    raise BotServerError(f"{self.name} exited at start:\n{self.logs()[-3000:]}")
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(f"{self.url}/healthz").status_code == 200:
                        return self
                if time.monotonic() > give_up:
                    self.kill()
                    raise BotServerError(f"{self.name} did not answer:\n{self.logs()[-3000:]}")
                time.sleep(0.05)

    def start(self, timeout: float = 30.0) -> BotServer:
        """Start and wait until it serves; retried once on another port if that one was taken."""
        try:
            return self.launch().wait_ready(timeout)
        except BotServerError:
            if "already in use" not in self.logs():
                raise
            return self.launch().wait_ready(timeout)

    def health(self) -> dict[str, Any]:
        """The /healthz body."""
        answer = httpx.get(f"{self.url}/healthz", timeout=2.0)
        answer.raise_for_status()
        return dict(answer.json())

    def kill(self) -> None:
        """SIGKILL the whole process tree at once (nothing graceful happens)."""
        process = self._process
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)

    def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM (graceful: lookups in flight finish), then SIGKILL whatever is left."""
        process = self._process
        if process is None:
            return None
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=timeout)
        # A worker orphaned by a dead master, or a master that would not stop.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
        return process.returncode

    def close(self) -> None:
        """Stop and remove the output files."""
        self.stop()
        for path in self._dir.glob("*"):
            with contextlib.suppress(OSError):
                path.unlink()
        with contextlib.suppress(OSError):
            self._dir.rmdir()

    def logs(self) -> str:
        """Everything the process wrote to stderr so far (its log lines)."""
        path = self._dir / "stderr.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def audit(self) -> list[dict[str, Any]]:
        """The JSON audit records it wrote to stdout so far."""
        path = self._dir / "stdout.log"
        records = []
        for line in path.read_text(errors="replace").splitlines() if path.exists() else ():
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                if isinstance(record, dict):
                    records.append(record)
        return records

    def wait_for_log(self, text: str, timeout: float = 10.0) -> bool:
        """True once `text` appears in the log within `timeout` seconds."""
        give_up = time.monotonic() + timeout
        while text not in self.logs():
            if time.monotonic() > give_up:
                return False
            time.sleep(0.05)
        return True

    def __enter__(self) -> BotServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def start_all(bots: Iterable[BotServer], timeout: float = 30.0) -> None:
    """Launch several processes at once (their start-ups overlap) and wait until all serve."""
    bots = list(bots)
    for bot in bots:
        bot.launch()
    for bot in bots:
        try:
            bot.wait_ready(timeout)
        except BotServerError:
            if "already in use" not in bot.logs():
                raise
            bot.start(timeout)


# -- the world around the bot ------------------------------------------------------------------


def generated_customers(count: int, *, prefix: str = "cust") -> dict[str, Any]:
    """`count` customers of typical shape without linked accounts, `email:{prefix}.NNNNN@…`."""
    users = []
    for i in range(count):
        email = f"{prefix}.{i:05d}@example.com"
        users.append(
            {
                "name": f"Customer {i}",
                "primary": f"email:{email}",
                "summary": "generated",
                "segment_id": f"use_{prefix}{i:06d}",
                "created_at": "2024-01-01T00:00:00.000Z",
                "external_ids": [
                    {"type": "email", "id": email},
                    {"type": "user_id", "id": f"u_{prefix}_{i}"},
                    {"type": "anonymous_id", "id": f"anon-{prefix}-{i:08x}"},
                ],
                "traits": {
                    "name": f"Customer {i}",
                    "email": email,
                    "company": f"Company {i % 97}",
                    "plan": ("free", "pro", "enterprise")[i % 3],
                    "title": "Operations lead",
                    "created_at": "2024-01-01T00:00:00.000Z",
                    "logins_30d": i % 40,
                    "country": "DE",
                },
                "audiences": {"active_users": i % 2 == 0, "churn_risk": i % 5 == 0},
                "computed_traits": {"lifetime_value": i * 1.5},
                "accounts": [],
                "events": [
                    {"event": "Signed In", "minutes_ago": 10 + j * 7, "properties": {"n": j}}
                    for j in range(6)
                ],
            }
        )
    return {"users": users, "accounts": []}


def write_customers(path: Path, count: int, *, prefix: str = "cust") -> list[str]:
    """Write generated customers to `path`; returns their identifiers (`email:…`)."""
    data = generated_customers(count, prefix=prefix)
    path.write_text(json.dumps(data), encoding="utf-8")
    return [user["primary"] for user in data["users"]]


def segment_of(identifier: str) -> str:
    """The sandbox's raw path segment for `email:…` (as RecordedRequest.segment shows it)."""
    id_type, _, value = identifier.partition(":")
    return f"{id_type}:{value.replace('@', '%40')}"


def new_slack_stub() -> SlackApiSandbox:
    """A started Slack sandbox accepting the test bot token; the requester is in the group."""
    slack = SlackApiSandbox(bot_token=test_secrets.SLACK_BOT_TOKEN, team_id=TEAM).start()
    slack.add_usergroup(GROUP_ID, GROUP_HANDLE, [MEMBER], name="CS team")
    return slack


class ProfileApiLocation(Protocol):
    """Where a Profile API sandbox answers: ProfileApiSandbox, or one in another process."""

    @property
    def base_url(self) -> str: ...
    @property
    def token(self) -> str: ...
    @property
    def space_id(self) -> str: ...


def bot_environ(
    sandbox: ProfileApiLocation, slack: SlackApiSandbox, **overrides: str
) -> dict[str, str]:
    """Settings for a bot process using `sandbox` and `slack` (the test secrets' tokens)."""
    environ = test_secrets.settings_environ(
        SLACK_API_URL=slack.api_url,
        SEGMENT_SPACE_ID=sandbox.space_id,
        SEGMENT_ACCESS_TOKEN=sandbox.token,
        SEGMENT_PROFILE_API_URL=sandbox.base_url,
        PROFILE_ALLOWED_USERGROUPS=GROUP_HANDLE,
        LOG_LEVEL="INFO",
    )
    environ.update(overrides)
    return environ


@dataclass
class SentCommand:
    """One `/profile` sent to a bot: its response_url, ack status and how long the ack took."""

    bot: str
    text: str
    response_url: str
    sent_at: float  # time.monotonic() just before the request went out
    status: int = 0
    ack_seconds: float = 0.0


def send_profile(
    http: httpx.Client,
    bot: BotServer,
    slack: SlackApiSandbox,
    text: str,
    *,
    signing_secret: str = test_secrets.SLACK_SIGNING_SECRET,
) -> SentCommand:
    """POST a signed `/profile <text>` to `bot`, with a fresh response_url on `slack`."""
    response_url = slack.new_response_url()
    body = command_body(text, team_id=TEAM, response_url=response_url).encode()
    headers = sign_headers(signing_secret, body.decode())
    sent = SentCommand(bot.name, text, response_url, time.monotonic())
    answer = http.post(bot.events_url, content=body, headers=headers)
    sent.ack_seconds = time.monotonic() - sent.sent_at
    sent.status = answer.status_code
    return sent


def is_profile_card(message: Mapping[str, Any]) -> bool:
    """True for a profile card (it carries the card's buttons); False for notices and errors."""
    return any(block.get("type") == "actions" for block in message.get("blocks") or ())
