"""Sending to a person: ephemeral replies through response_url, and modals. Failures are logged
by error code only (never the URL, the body or Slack's full answer) and reported to the caller."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.slack.webapi import JOB_TIMEOUT_SECONDS, error_code

logger = logging.getLogger(__name__)


def respond(url: str | None, message: dict[str, Any], *, replace_original: bool) -> bool:
    """Post an ephemeral message to a response_url (never in_channel); True when Slack took it."""
    if not url:
        logger.warning("no response_url to answer through")
        return False
    body = {**message, "response_type": "ephemeral", "replace_original": replace_original}
    try:
        result = WebhookClient(url, timeout=JOB_TIMEOUT_SECONDS).send_dict(body)
    except Exception as exc:
        logger.warning("response_url post failed: %s", error_code(exc))
        return False
    if result.status_code != 200:
        # Expired (30 min) or used up (5 posts); the body is Slack's short error code.
        logger.warning(
            "response_url post refused: HTTP %s %s", result.status_code, result.body[:40]
        )
        return False
    return True


class ModalError(Exception):
    """A views.* call failed; `code` is Slack's error code (e.g. expired_trigger_id)."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


def open_modal(client: WebClient, trigger_id: str | None, view: dict[str, Any]) -> str:
    """views.open; the new view's id. Raises ModalError (expired/exchanged trigger, …)."""
    if not trigger_id:
        raise ModalError("missing_trigger_id")
    return _view_id(_call(client, "views_open", trigger_id=trigger_id, view=view))


def push_modal(client: WebClient, trigger_id: str | None, view: dict[str, Any]) -> str:
    """views.push onto the modal the person is in; the pushed view's id."""
    if not trigger_id:
        raise ModalError("missing_trigger_id")
    return _view_id(_call(client, "views_push", trigger_id=trigger_id, view=view))


def update_modal(
    client: WebClient, view_id: str | None, view: dict[str, Any], *, view_hash: str | None = None
) -> bool:
    """views.update; False (logged) when the modal is gone or changed meanwhile."""
    if not view_id:
        return False
    params: dict[str, Any] = {"view_id": view_id, "view": view}
    if view_hash:
        params["hash"] = view_hash
    try:
        _call(client, "views_update", **params)
    except ModalError:
        return False
    return True


def _call(client: WebClient, method: str, **params: Any) -> dict[str, Any]:
    try:
        response = getattr(client, method)(**params)
    except Exception as exc:
        code = error_code(exc)
        logger.warning("%s failed: %s", method.replace("_", "."), code)
        raise ModalError(code) from None
    data = response.data
    return data if isinstance(data, dict) else {}


def _view_id(data: dict[str, Any]) -> str:
    view = data.get("view")
    view_id = view.get("id") if isinstance(view, dict) else None
    if not isinstance(view_id, str):
        raise ModalError("no_view_id")
    return view_id
