"""Run the bot: Socket Mode, or HTTP mode under gunicorn; finish lookups in flight on SIGTERM."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any
from wsgiref.types import WSGIApplication

from gunicorn.app.base import BaseApplication

from bot.logs import configure_logging, configured_secrets
from bot.serve_http import WORKER_CLASS
from bot.settings import Settings, SettingsError
from bot.slack.services import AppServices
from bot.slack.web_client import error_code
from bot.wiring import build_app, build_services, build_wsgi, require_shared_state
from bot.wording import plural

logger = logging.getLogger("bot.serve")

# gunicorn's exit code for "a worker could not boot": the master then stops instead of looping.
WORKER_BOOT_ERROR = 3

# Slack's answers to apps.connections.open that mean the app-level token itself is wrong.
_APP_TOKEN_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "not_allowed_token_type", "token_revoked", "account_inactive"}
)


class StartError(Exception):
    """The bot could not start for a reason that is not a setting (Slack unreachable…)."""


def make_wsgi_app(settings: Settings) -> tuple[WSGIApplication, AppServices]:
    """The WSGI app for HTTP mode and the services behind it (to close on shutdown)."""
    services = build_services(settings)
    return build_wsgi(settings, services), services


def chosen_mode(settings: Settings, mode: str) -> str:
    """`http` or `socket`: `auto` means Socket Mode exactly when SLACK_APP_TOKEN is set."""
    if mode == "auto":
        return "socket" if settings.socket_mode else "http"
    return mode


def startup_line(settings: Settings, mode: str) -> str:
    """One line saying how the bot runs; never a secret."""
    if mode == "socket":
        how = "Socket Mode (no inbound port)"
    else:
        how = (
            f"HTTP mode on :{settings.port} (gunicorn + waitress, "
            f"{plural(settings.web_concurrency, 'worker')} x "
            f"{plural(settings.web_threads, 'thread')}; POST /slack/events, GET /healthz)"
        )
    who = (
        "everyone (PROFILE_ALLOW_ALL_USERS=true)"
        if settings.allow_all_users
        else "members of " + ", ".join(settings.allowed_usergroups)
    )
    from bot.check import host_of

    return (
        f"profile-bot starting: {how}; Segment region {settings.segment_region} "
        f"({host_of(settings.segment_profile_api_url)}), space {settings.segment_space_id}; "
        f"Slack API {host_of(settings.slack_api_url)}; "
        f"shared state: {'Redis' if settings.redis_url else 'in memory'}; may use it: {who}"
    )


def run_bot(settings: Settings, *, mode: str = "auto") -> int:
    """Run until SIGTERM/SIGINT; `mode` is auto, http or socket. Raises SettingsError/StartError."""
    configure_logging(settings.log_level, secrets=configured_secrets(settings))
    for note in settings.unknown_settings:
        # A warning, not a failure: the name may belong to something else in the environment.
        logger.warning("%s", note)
    chosen = chosen_mode(settings, mode)
    if chosen == "socket" and not settings.slack_app_token:
        raise SettingsError(
            "SLACK_APP_TOKEN",
            "is not set, but Socket Mode was asked for (--mode socket)",
            "Create an app-level token with the connections:write scope (Basic Information > "
            "App-Level Tokens) and set SLACK_APP_TOKEN, or run with --mode http",
        )
    if chosen == "http" and not settings.slack_signing_secret:
        raise SettingsError(
            "SLACK_SIGNING_SECRET",
            "is not set, and HTTP mode needs it to verify Slack's requests",
            "Copy it from your app's Basic Information page (Signing Secret)",
        )
    if chosen == "socket":
        return _run_socket_mode(settings)
    require_shared_state(settings)
    _preflight(settings)
    logger.info(startup_line(settings, chosen))
    return _run_http(settings)


def _run_socket_mode(settings: Settings) -> int:
    from bot.slack.socket_guard import GuardedSocketModeHandler

    services = build_services(settings)
    app = build_app(settings, services)
    logger.info(startup_line(settings, "socket"))
    handler = GuardedSocketModeHandler(app, settings.slack_app_token)
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        logger.info("signal %s: stopping after the lookups in flight", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        try:
            handler.connect()  # type: ignore[no-untyped-call]
        except Exception as exc:
            raise _socket_mode_failure(exc, settings) from None
        if handler.client.is_connected():
            logger.info("connected to Slack over Socket Mode")
        else:  # slack_sdk logs the reason and keeps retrying in the background
            logger.warning("the Socket Mode WebSocket did not open yet; retrying")
        services.sync_workflow_step()  # who may add the workflow step, in the background
        stop.wait()
    finally:
        handler.close()  # type: ignore[no-untyped-call]  # no new requests from Slack
        services.close()  # lookups in flight finish and answer
    logger.info("profile-bot stopped")
    return 0


def _socket_mode_failure(exc: BaseException, settings: Settings) -> Exception:
    """What to tell the admin when apps.connections.open (or the WebSocket) failed."""
    code = error_code(exc)
    if code in _APP_TOKEN_ERRORS:
        return SettingsError(
            "SLACK_APP_TOKEN",
            f"was refused by Slack ({code})",
            "Create an app-level token with the connections:write scope (Basic Information > "
            "App-Level Tokens), set SLACK_APP_TOKEN to it, and turn Socket Mode on in the app",
        )
    from bot.check import host_of

    return StartError(
        f"could not open a Socket Mode connection via {host_of(settings.slack_api_url)} ({code}). "
        "Check SLACK_API_URL and that this machine can reach Slack (outbound HTTPS and WSS)"
    )


class _GunicornApp(BaseApplication):  # type: ignore[misc]
    """gunicorn run in-process with our settings; each worker builds its own app after fork."""

    def __init__(self, factory: Callable[[], WSGIApplication], options: dict[str, Any]) -> None:
        self._factory = factory
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            # Options newer than the installed gunicorn (e.g. control_socket_disable, 25.1+)
            # are skipped rather than refused.
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self) -> WSGIApplication:
        return self._factory()


def gunicorn_options(settings: Settings) -> dict[str, Any]:
    """gunicorn settings: threads for quick acks, graceful stop that lets lookups finish."""
    return {
        "bind": f"0.0.0.0:{settings.port}",
        "workers": settings.web_concurrency,
        # waitress inside each worker reads every request whole, with a deadline, before a
        # thread sees it: a slow or stalled client costs a socket, never a thread (issue 11 §1).
        "worker_class": WORKER_CLASS,
        "threads": settings.web_threads,
        # Requests only ack (lookups run on the bot's own job pool), so a short timeout is safe.
        "timeout": 30,
        # A stopping worker first finishes its requests, then (worker_exit) the lookups in flight,
        # each bounded by PROFILE_LOOKUP_DEADLINE_SECONDS plus the post to Slack.
        "graceful_timeout": int(settings.lookup_deadline_seconds) + 15,
        # (gunicorn's `keepalive` is not used by this worker: waitress's idle timeout, 10 s,
        # closes idle keep-alive connections; see bot/serve_http/deadline.py.)
        "accesslog": None,
        "loglevel": settings.log_level.lower(),
        "worker_exit": _close_worker_services,
        "proc_name": "profile-bot",
        # gunicorn 25.1+ opens a control socket at one fixed path per user; two bots on one
        # machine would fight over it, and nothing here uses it.
        "control_socket_disable": True,
    }


_worker_services: list[AppServices] = []


def _close_worker_services(_server: Any, _worker: Any) -> None:
    while _worker_services:
        _worker_services.pop().close()


def _preflight(settings: Settings) -> None:
    """Build (and drop) the app once before forking, so a bad setting is reported in plain words
    by the command instead of as a traceback from a gunicorn worker that failed to boot."""
    _, services = make_wsgi_app(settings)
    services.close()


def _run_http(settings: Settings) -> int:
    def factory() -> WSGIApplication:
        configure_logging(settings.log_level, secrets=configured_secrets(settings))
        try:
            wsgi, services = make_wsgi_app(settings)
        except SettingsError as error:  # e.g. Redis settings that only fail at connect time
            print(f"profile-bot: configuration problem: {error}", file=sys.stderr)
            sys.exit(WORKER_BOOT_ERROR)
        _worker_services.append(services)
        services.sync_workflow_step()  # who may add the workflow step, in the background
        return wsgi

    _GunicornApp(factory, gunicorn_options(settings)).run()
    return 0
