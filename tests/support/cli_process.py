"""Run `profile-bot` as a real child process: clean environment, output captured line by line.

Tests use it for everything the issue says must hold for the command itself: exit codes, the
start-up line, gunicorn in HTTP mode, SIGTERM, Socket Mode start-up failures.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx

from bot.sandbox import credentials as test_secrets
from bot.sandbox.profile_api import ProfileApiSandbox
from bot.sandbox.slack_api import SlackApiSandbox
from tests.support.step_manifest import declare_step

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def free_port() -> int:
    """A TCP port nobody listens on right now (on every interface: gunicorn binds 0.0.0.0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("0.0.0.0", 0))
        return int(sock.getsockname()[1])


def child_environ(
    settings: Mapping[str, str], *, path_prefix: Path | None = None
) -> dict[str, str]:
    """A minimal environment: no settings inherited from the test runner, only `settings`."""
    path = os.environ.get("PATH", "/usr/bin:/bin")
    environ = {
        "PATH": f"{path_prefix}{os.pathsep}{path}" if path_prefix else path,
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(REPO),
        "PYTHONUNBUFFERED": "1",
        "PYTHONIOENCODING": "utf-8",
    }
    environ.update(settings)
    return environ


def install_console_script(bin_dir: Path) -> Path:
    """Write the `profile-bot` launcher pip would generate from pyproject's [project.scripts].

    The repo is not installed into the test virtualenv, so the Procfile's `profile-bot` is made
    here from the declared entry point (module:function) and run with this interpreter.
    """
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    module, _, function = scripts["profile-bot"].partition(":")
    bin_dir.mkdir(parents=True, exist_ok=True)
    launcher = bin_dir / "profile-bot"
    launcher.write_text(
        f"#!{PYTHON}\nimport sys\nfrom {module} import {function}\nsys.exit({function}())\n"
    )
    launcher.chmod(0o755)
    return launcher


class BotProcess:
    """A child process whose stdout and stderr are merged and collected by a reader thread."""

    def __init__(
        self,
        args: Sequence[str] | str,
        environ: Mapping[str, str],
        *,
        cwd: Path,
        shell: bool = False,
        stdin: bool = False,
    ) -> None:
        self.popen = subprocess.Popen(
            args,
            env=dict(environ),
            cwd=cwd,
            shell=shell,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            start_new_session=True,  # our signals reach it alone, not the pytest process group
        )
        self._lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @classmethod
    def bot(
        cls, *args: str, environ: Mapping[str, str], cwd: Path, stdin: bool = False
    ) -> BotProcess:
        """`python -m bot ARGS…` (the same entry point as `profile-bot`)."""
        return cls([PYTHON, "-m", "bot", *args], environ, cwd=cwd, stdin=stdin)

    def type_line(self, line: str) -> None:
        """Write one line to its standard input (started with stdin=True)."""
        assert self.popen.stdin is not None
        self.popen.stdin.write(line + "\n")
        self.popen.stdin.flush()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            with self._changed:
                self._lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def output(self) -> str:
        """Everything the process printed so far (stdout and stderr)."""
        with self._changed:
            return "\n".join(self._lines)

    def wait_for_line(self, needle: str, timeout: float = 15.0) -> str:
        """The first output line containing `needle`; fails if the process ends first."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self._lines:
                    if needle in line:
                        return line
                if not self._reader.is_alive() or time.monotonic() > deadline:
                    raise AssertionError(
                        f"no line with {needle!r} (exit code {self.popen.poll()}); output:\n"
                        + "\n".join(self._lines)[-4000:]
                    )
                self._changed.wait(0.1)

    def wait_http_ready(self, port: int, timeout: float = 15.0) -> httpx.Response:
        """Poll GET /healthz on `port` until it answers 200 (and this process still runs)."""
        self.wait_for_line("Listening at", timeout)
        deadline = time.monotonic() + timeout
        while True:
            if self.popen.poll() is not None:
                raise AssertionError(f"the bot exited ({self.popen.returncode}):\n{self.output}")
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                if response.status_code == 200:
                    return response
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"/healthz never answered 200; output:\n{self.output}")
            time.sleep(0.05)

    def send_signal(self, signum: int = signal.SIGTERM) -> None:
        """Send `signum` to the process (gunicorn's master, or the Socket Mode process)."""
        self.popen.send_signal(signum)

    def signal_group(self, signum: int = signal.SIGTERM) -> None:
        """Send `signum` to every process it started, as a platform stopping a dyno does."""
        os.killpg(self.popen.pid, signum)

    def wait_group(self, timeout: float) -> None:
        """Wait until the process and everything it started have exited (or fail after timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            self.popen.poll()
            try:
                os.killpg(self.popen.pid, 0)
            except ProcessLookupError:
                break
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"still running after {timeout} s; output:\n{self.output}")
            time.sleep(0.05)
        self._reader.join(timeout=5)

    def wait(self, timeout: float) -> int:
        """Its exit code, waiting at most `timeout` seconds (then it is killed and this fails)."""
        try:
            code = self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(
                f"still running after {timeout} s; output:\n{self.output}"
            ) from None
        self._reader.join(timeout=5)
        return code

    def kill(self) -> None:
        """Kill it and everything it started (gunicorn workers), if still running."""
        with suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        if self.popen.poll() is None:
            self.popen.wait(timeout=10)
        self._reader.join(timeout=5)

    def assert_no_secrets(self) -> None:
        """Fail if any test secret appears anywhere in the output."""
        text = self.output
        leaked = [name for name, value in test_secrets.SECRETS if value in text]
        assert not leaked, f"secrets in the output: {leaked}\n{text}"


def run_bot(
    *args: str, environ: Mapping[str, str], cwd: Path, timeout: float = 30.0
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS…` to completion (bounded) and return its result."""
    return subprocess.run(
        [PYTHON, "-m", "bot", *args],
        env=dict(environ),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )


MEMBER = "U0SANDBOX1"  # command_body()'s default user: a member of the allowed group
GROUP_ID, GROUP_HANDLE = "S0CSTEAM", "cs-team"


@contextmanager
def stand_ins(*, scopes: str | None = None) -> Iterator[tuple[ProfileApiSandbox, SlackApiSandbox]]:
    """The Profile API sandbox and the Slack sandbox, started, with the test secrets."""
    options: dict[str, str] = {} if scopes is None else {"scopes": scopes}
    with (
        ProfileApiSandbox(
            token=test_secrets.SEGMENT_ACCESS_TOKEN, space_id=test_secrets.SEGMENT_SPACE_ID
        ) as sandbox,
        SlackApiSandbox(bot_token=test_secrets.SLACK_BOT_TOKEN, **options) as slack,
    ):
        slack.add_usergroup(GROUP_ID, GROUP_HANDLE, [MEMBER])
        declare_step(slack)  # the app as created from manifest.yml has the workflow step
        yield sandbox, slack


def bot_settings(
    sandbox: ProfileApiSandbox, slack_api_url: str, **overrides: str
) -> dict[str, str]:
    """Settings (as environment variables) pointing the bot at the stand-ins."""
    settings = {
        "SLACK_API_URL": slack_api_url,
        "SEGMENT_PROFILE_API_URL": sandbox.base_url,
        "PROFILE_ALLOWED_USERGROUPS": GROUP_HANDLE,
        "PROFILE_LOOKUP_DEADLINE_SECONDS": "4",
    }
    settings.update(overrides)
    return test_secrets.settings_environ(**settings)


def is_profile_card(message: Mapping[str, Any], name: str) -> bool:
    """True for a profile card whose header is the customer's `name`."""
    blocks = message.get("blocks") or []
    return (
        bool(blocks)
        and blocks[0].get("type") == "header"
        and (blocks[0].get("text", {}).get("text") == name)
    )
