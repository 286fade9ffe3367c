"""Telling a person something short (a refusal, an expiry, a failure) on the surface they used."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk import WebClient

from bot.slack import cards, payloads
from bot.slack.delivery.messages import deliver_privately
from bot.slack.delivery.modals import ModalError, open_for_click, update_modal
from bot.slack.jobs import JobRunner


def send_notice(client: WebClient, body: Mapping[str, Any], message: dict[str, Any]) -> None:
    """Deliver `message` where the person is: ephemeral reply, pushed modal, or a new modal.

    Call it from a job: it makes a Slack call. A trigger_id lasts about 3 s, so modal notices are
    best effort; the response_url (messages, message shortcuts) is tried first, and when it is
    refused (not Slack's, expired…) chat.postEphemeral to the person in that conversation.
    """
    url = payloads.response_url(body)
    if url:
        deliver_privately(
            client,
            url,
            message,
            replace_original=False,
            channel_id=payloads.channel_id(body),
            user_id=payloads.user_id(body),
        )
        return
    view = cards.build_message_modal(message)
    try:
        open_for_click(client, body, view)
    except ModalError:
        if payloads.in_modal(body):
            update_modal(client, payloads.view_id(body), view)


def notify_later(
    jobs: JobRunner, client: WebClient, body: Mapping[str, Any], message: dict[str, Any]
) -> None:
    """`send_notice` on the job pool, so the ack is not held up by the Slack call."""
    snapshot = dict(body)

    def send() -> None:
        send_notice(client, snapshot, message)

    jobs.submit("notice", send)


def notify_text_later(
    jobs: JobRunner, client: WebClient, body: Mapping[str, Any], text: str
) -> None:
    """`notify_later` with a plain notice message."""
    notify_later(jobs, client, body, cards.build_notice_message(text))
