"""What the Home tab's parts do. Home buttons carry no response_url: answers are a modal (the
card) opened with the click's trigger_id, or the Home tab published again with a notice."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk import WebClient

from bot.identifiers import Identifier, IdentifierError
from bot.slack import cards, payloads
from bot.slack import component_ids as ids
from bot.slack.audit_trail import audit
from bot.slack.context import CardContext
from bot.slack.delivery import ModalError, open_modal, publish_home
from bot.slack.listeners.common import run_for_modal
from bot.slack.lookup_flow import lookup_to_modal
from bot.slack.services import AppServices

EMPTY_SEARCH_TEXT = "Type an email, a phone number or type:value, then press Look up."
GONE_TEXT = "That lookup is no longer in your history. Search for the customer instead."
CLEARED_TEXT = "Your lookup history is cleared."
NOT_CLEARED_TEXT = (
    "Your history is cleared here, but the shared store could not be reached: its copy expires "
    "on its own. Press Clear again in a minute to be sure."
)
NOT_OPENED_TEXT = "Slack didn't open the window in time. Please press the button again."


def publish_for(services: AppServices, user_id: str, notice: str | None = None) -> None:
    """Publish the person's Home tab (they passed the gate): search, history, how-to."""
    history = services.history
    view = cards.build_home_view(
        history.entries(user_id),
        examples=services.parser.usage_examples(),
        history_enabled=history.enabled,
        ttl=history.ttl,
        notice=notice,
    )
    publish_home(services.web_client, user_id, view)


def _home_context(body: Mapping[str, Any]) -> CardContext:
    return CardContext(
        requester=payloads.user_id(body) or "",
        team_id=payloads.team_id(body),
        channel_id=None,
        entry_point=payloads.ENTRY_HOME,
        surface="modal",
    )


def handle_search(services: AppServices, body: Mapping[str, Any], client: WebClient) -> None:
    """The search box: the card in a modal; empty or invalid input is said on the tab."""
    user = payloads.user_id(body) or ""
    text = payloads.input_value(body, ids.HOME_SEARCH_BLOCK, ids.HOME_SEARCH_INPUT).strip()
    if not text:
        publish_for(services, user, EMPTY_SEARCH_TEXT)
        return
    try:
        ident = services.parser.parse(text)
    except IdentifierError as error:
        audit(services, body, action="lookup", outcome="invalid_input", detail=error.code)
        publish_for(services, user, error.reason)
        return
    open_card(services, body, client, ident)


def handle_recent(services: AppServices, body: Mapping[str, Any], client: WebClient) -> None:
    """A recent lookup: the card again, fetched anew, in a modal."""
    user = payloads.user_id(body) or ""
    entry = services.history.find(user, payloads.action_value(body))
    if entry is None:
        publish_for(services, user, GONE_TEXT)
        return
    open_card(services, body, client, entry.identifier)


def handle_clear_history(services: AppServices, body: Mapping[str, Any]) -> None:
    """Forget the person's history and show the emptied tab."""
    user = payloads.user_id(body) or ""
    cleared = services.history.clear(user)
    audit(services, body, action="history", outcome="cleared" if cleared else "partly_cleared")
    publish_for(services, user, CLEARED_TEXT if cleared else NOT_CLEARED_TEXT)


def open_card(
    services: AppServices, body: Mapping[str, Any], client: WebClient, ident: Identifier
) -> None:
    """A loading modal with the click's trigger (valid ~3 s), then the card in it; the tab is
    published again afterwards so the lookup shows in the history."""
    user = payloads.user_id(body) or ""
    try:
        view_id = open_modal(client, payloads.trigger_id(body), cards.build_loading_view())
    except ModalError:
        publish_for(services, user, NOT_OPENED_TEXT)
        return
    context = _home_context(body)

    def work() -> None:
        lookup_to_modal(services, client, context, ident, view_id)
        publish_for(services, user)

    run_for_modal(services, client, "home lookup", view_id, work)
