"""The Bolt app: a thin factory wiring middleware (dedupe, then the access gate) and listeners."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from slack_bolt import App

from bot.slack.listeners import register_listeners
from bot.slack.middleware.dedupe import make_dedupe_middleware
from bot.slack.middleware.gate import make_gate_middleware
from bot.slack.services import AppServices


def build_bolt_app(services: AppServices, *, signing_secret: str, listener_threads: int) -> App:
    """A Bolt App over `services`: middleware first, then every listener."""
    with _bolt_reads_no_token():
        app = _new_app(services, signing_secret, listener_threads)
    app.use(make_dedupe_middleware(services.state.duplicates))
    app.use(make_gate_middleware(services))
    register_listeners(app, services)
    return app


_ENV_LOCK = threading.Lock()


@contextmanager
def _bolt_reads_no_token() -> Iterator[None]:
    """Hide SLACK_BOT_TOKEN from the environment while Bolt's App is constructed.

    `App.__init__` does `token = token or os.environ.get("SLACK_BOT_TOKEN")` and then, because we
    pass `client`, logs "As you gave `client` as well, `token` will be unused" on every start
    (twice in HTTP mode). The token we mean is already in `client`; with the variable hidden for
    the constructor, Bolt has nothing to warn about. Nothing else reads the variable meanwhile:
    apps are built at start-up, and the lock keeps two builds from interleaving.
    """
    with _ENV_LOCK:
        saved = os.environ.pop("SLACK_BOT_TOKEN", None)
        try:
            yield
        finally:
            if saved is not None:
                os.environ["SLACK_BOT_TOKEN"] = saved


def _new_app(services: AppServices, signing_secret: str, listener_threads: int) -> App:
    return App(
        # The token travels in `client` (built from the bot token and SLACK_API_URL).
        signing_secret=signing_secret,
        client=services.web_client,
        # auth.test would run in the constructor; Bolt still calls it (once) on the first request.
        token_verification_enabled=False,
        # Listeners only ack (commands, view submissions) or ack first and call Slack from a lazy
        # function (buttons, the shortcut); lookups run on services.jobs. Acking in the request
        # thread answers in about a millisecond: with process_before_response=False, Bolt runs
        # the listener on its pool and polls for the ack every 10 ms. The pool runs the lazy
        # functions (views.open and the like), sized up from Bolt's default of 5.
        process_before_response=True,
        listener_executor=ThreadPoolExecutor(
            max_workers=max(8, listener_threads), thread_name_prefix="bolt-listener"
        ),
    )
