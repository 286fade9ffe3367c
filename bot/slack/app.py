"""The Bolt app: a thin factory wiring middleware (dedupe, then the access gate) and listeners."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App

from bot.slack.listeners import register_listeners
from bot.slack.middleware.dedupe import make_dedupe_middleware
from bot.slack.middleware.gate import make_gate_middleware
from bot.slack.services import AppServices


def build_bolt_app(services: AppServices, *, signing_secret: str, listener_threads: int) -> App:
    """A Bolt App over `services`: middleware first, then every listener."""
    app = App(
        # The token travels in `client` (built from the bot token and SLACK_API_URL); passing it
        # twice only makes Bolt warn that it ignores the second copy.
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
    app.use(make_dedupe_middleware(services.state.duplicates))
    app.use(make_gate_middleware(services))
    register_listeners(app, services)
    return app
