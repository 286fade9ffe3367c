"""Modals: open, push and update; a failure is logged by Slack's error code, never the view."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_sdk import WebClient

from bot.slack import payloads
from bot.slack.web_client import error_code

logger = logging.getLogger(__name__)


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


def open_for_click(client: WebClient, body: Mapping[str, Any], view: dict[str, Any]) -> str:
    """Open `view` for the click in `body`: pushed over the modal it came from, else a new modal."""
    trigger = payloads.trigger_id(body)
    if payloads.in_modal(body):
        return push_modal(client, trigger, view)
    return open_modal(client, trigger, view)


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
