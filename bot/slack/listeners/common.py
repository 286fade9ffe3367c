"""Helpers every listener uses: acking with a card, checking a card ref, handing work to jobs."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.identifiers import Identifier
from bot.segment.errors import ProfileApiError
from bot.segment.lookup import FetchedProfile
from bot.slack import cards, payloads
from bot.slack.audit_trail import audit
from bot.slack.cards.notices import BUSY_TEXT, LOOKUP_FAILED_TEXT, modal_not_opened_text
from bot.slack.context import CardContext
from bot.slack.delivery import (
    ModalError,
    deliver_privately,
    notify_text_later,
    open_for_click,
    update_modal,
)
from bot.slack.services import AppServices

# Slack applies a view submission's `response_action: update` when our HTTP answer reaches it; a
# views.update the job sends before that would be overwritten by the "loading" view in the answer.
ACK_LANDING_SECONDS = 0.3


def after_ack_lands(work: Callable[[], None]) -> Callable[[], None]:
    """`work`, started no sooner than ACK_LANDING_SECONDS after now (the ack's answer)."""
    acked_at = time.monotonic()

    def delayed() -> None:
        remaining = acked_at + ACK_LANDING_SECONDS - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)
        work()

    return delayed


def ack_message(ack: Ack, message: Mapping[str, Any]) -> None:
    """Acknowledge a slash command with an ephemeral message as the ack body."""
    ack(text=str(message.get("text", "")), blocks=message.get("blocks"), response_type="ephemeral")


def card_for_submission(
    services: AppServices, ack: Ack, body: Mapping[str, Any]
) -> CardContext | None:
    """The card context in a view's private_metadata if the submitter asked for it; else the
    ack replaces the modal with the reason and None is returned."""
    context, refusal = services.contexts.for_actor(
        payloads.private_metadata(body), payloads.user_id(body)
    )
    if context is None:
        ack(response_action="update", view=cards.build_notice_modal(refusal or "Not allowed."))
    return context


def card_for_actor(
    services: AppServices, client: WebClient, body: Mapping[str, Any], ref: str
) -> CardContext | None:
    """The card context behind `ref` if the person acting asked for it; else tell them why not."""
    context, refusal = services.contexts.for_actor(ref, payloads.user_id(body))
    if context is None:
        audit(
            services,
            body,
            action="refusal",
            outcome="denied",
            detail="expired_card" if services.contexts.get(ref) is None else "not_requester",
        )
        notify_text_later(services.jobs, client, body, refusal or "Not allowed.")
    return context


def run_for_message(
    services: AppServices,
    label: str,
    response_url: str | None,
    work: Callable[[], None],
    *,
    replace_original: bool = False,
    channel_id: str | None = None,
    user_id: str | None = None,
) -> None:
    """Run `work` as a job; on failure or overload the person is told through `response_url`
    (replacing the "Looking up…" message when `replace_original`), or, when that is refused, by
    chat.postEphemeral to `user_id` in `channel_id`."""

    def tell(text: str) -> None:
        deliver_privately(
            services.web_client,
            response_url,
            cards.build_notice_message(text),
            replace_original=replace_original,
            channel_id=channel_id,
            user_id=user_id,
        )

    if not services.jobs.submit(label, work, on_error=lambda _exc: tell(LOOKUP_FAILED_TEXT)):
        tell(BUSY_TEXT)


def run_for_modal(
    services: AppServices,
    client: WebClient,
    label: str,
    view_id: str | None,
    work: Callable[[], None],
) -> None:
    """Run `work` as a job; on failure or overload the modal `view_id` says so."""

    def failed(_exc: BaseException) -> None:
        update_modal(client, view_id, cards.build_notice_modal(LOOKUP_FAILED_TEXT))

    if not services.jobs.submit(label, work, on_error=failed):
        update_modal(client, view_id, cards.build_notice_modal(BUSY_TEXT))


def open_loading_then(
    services: AppServices,
    client: WebClient,
    body: Mapping[str, Any],
    *,
    loading_text: str,
    again: str,
    label: str,
    work: Callable[[str], None],
    replace_top_when_full: bool = False,
) -> None:
    """Open (or push) a loading modal for the click now; then `work(view_id)` as a job. When
    Slack refuses the window, the person is told why (too late, or a permission) and `again`.

    Slack stacks at most three windows (push_limit_reached after a root and two pushed); with
    `replace_top_when_full` (going back and forth between linked cards) the window clicked in
    is replaced instead."""
    view = cards.build_loading_view(loading_text)
    try:
        view_id = open_for_click(client, body, view)
    except ModalError as error:
        current = payloads.view_id(body) if replace_top_when_full else None
        if not (
            error.code == "push_limit_reached" and current and update_modal(client, current, view)
        ):
            notify_text_later(services.jobs, client, body, modal_not_opened_text(error.code, again))
            return
        view_id = current
    run_for_modal(services, client, label, view_id, lambda: work(view_id))


def fetch_for_modal(
    services: AppServices,
    client: WebClient,
    context: CardContext,
    view_id: str | None,
    *,
    action: str,
) -> tuple[Identifier, FetchedProfile] | None:
    """The card's identifier and profile (usually from the cache) for a modal job; on failure
    the modal shows the error, the attempt is audited as `action`, and None is returned."""
    ident = context.identifier
    if ident is None:
        return None
    try:
        return ident, services.profiles.fetch_profile(ident)
    except ProfileApiError as error:
        audit(services, context, action=action, outcome=error.kind.value, identifier=ident)
        update_modal(client, view_id, cards.build_error_view(error, ident))
        return None
