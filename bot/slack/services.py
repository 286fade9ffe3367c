"""Everything the Slack listeners use, built once per process (tests and the demo inject theirs)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from slack_sdk import WebClient

from bot.audit import AuditLog
from bot.identifiers import IdentifierParser
from bot.segment.lookup import ProfileService, build_profile_service
from bot.settings import Settings
from bot.slack.access import GATE_TIMEOUT_SECONDS, AccessGate
from bot.slack.cards.options import CardOptions
from bot.slack.context import CardContexts
from bot.slack.jobs import JobRunner
from bot.slack.webapi import ACK_PATH_TIMEOUT_SECONDS, make_web_client
from bot.state import StateBundle
from bot.state_memory import memory_state
from bot.trait_policy import TraitPolicy


@dataclass
class AppServices:
    """The Slack app's collaborators: lookups, state, audit, jobs, parsing, cards and access."""

    settings: Settings
    profiles: ProfileService
    state: StateBundle
    audit: AuditLog
    jobs: JobRunner
    parser: IdentifierParser
    cards: CardOptions
    policy: TraitPolicy
    web_client: WebClient  # the App's client: Bolt copies its base_url and timeout per request
    gate: AccessGate
    contexts: CardContexts

    def health(self) -> dict[str, Any]:
        """Safe operational facts for /healthz: Segment circuit breaker and jobs waiting."""
        return {
            "segment_breaker": self.profiles.client.breaker.state.value,
            "jobs_pending": self.jobs.pending,
        }

    def close(self) -> None:
        """Let lookups in flight finish (SIGTERM), then release the Profile API client."""
        self.jobs.shutdown(wait=True)
        self.profiles.close()


def build_services(
    settings: Settings,
    transport: httpx.BaseTransport | None = None,
    *,
    state: StateBundle | None = None,
    audit: AuditLog | None = None,
) -> AppServices:
    """Wire the real services for `settings` (in-memory state unless `state` is given)."""
    bundle = state if state is not None else memory_state(settings)
    # The access check runs before the ack: its own client, short timeout and no retries, so a
    # slow Slack fails closed quickly instead of costing the ack.
    gate_client = make_web_client(settings, timeout=GATE_TIMEOUT_SECONDS, retry=False)
    return AppServices(
        settings=settings,
        profiles=build_profile_service(settings, transport=transport, state=bundle),
        state=bundle,
        audit=audit if audit is not None else AuditLog.from_settings(settings),
        jobs=JobRunner(settings.worker_threads),
        parser=IdentifierParser(settings.id_types, settings.phone_id_type),
        cards=CardOptions.from_settings(settings),
        policy=TraitPolicy(settings.hidden_traits, settings.shareable_traits),
        web_client=make_web_client(settings, timeout=ACK_PATH_TIMEOUT_SECONDS),
        gate=AccessGate(settings, gate_client, bundle.memberships),
        contexts=CardContexts(bundle.contexts),
    )
