"""Everything the Slack listeners use, assembled once per process by bot.wiring."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient

from bot.audit import AuditLog
from bot.identifiers import IdentifierParser
from bot.segment.lookup import ProfileService
from bot.slack.access import AccessChecker
from bot.slack.cards.options import CardOptions
from bot.slack.context import CardContexts
from bot.slack.history import RecentLookups
from bot.slack.jobs import JobRunner
from bot.slack.share_policy import SharePolicy
from bot.slack.step_distribution import StepAvailability
from bot.state.interfaces import StateBundle


@dataclass
class AppServices:
    """The Slack app's collaborators: lookups, state, audit, jobs, parsing, cards and access."""

    profiles: ProfileService
    state: StateBundle
    audit: AuditLog
    jobs: JobRunner
    parser: IdentifierParser
    cards: CardOptions
    share_policy: SharePolicy
    web_client: WebClient  # the App's client: Bolt copies its base_url and timeout per request
    access: AccessChecker
    contexts: CardContexts
    history: RecentLookups  # each person's recent lookups, for the Home tab
    # Who may add the workflow step, as the last distribution sync left it (step_distribution.py)
    steps: StepAvailability = field(default_factory=StepAvailability)

    def sync_workflow_step(self) -> None:
        """Set who may add the workflow step, in the background (on start, membership changes)."""
        self.steps.request_sync(self.jobs, self.web_client, self.access)

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
