"""Offline stand-ins for the Segment Profile API and the Slack Web API (tests, demo, benchmarks)."""

from bot.sandbox.data import SampleCustomer
from bot.sandbox.faults import Fault
from bot.sandbox.profile_api import ProfileApiSandbox, serve_forever
from bot.sandbox.recording import RecordedRequest
from bot.sandbox.signing import command_body, interaction_body, sign_headers
from bot.sandbox.slack_api import DEFAULT_SCOPES, SlackApiSandbox
from bot.sandbox.slack_state import RecordedCall

__all__ = [
    "DEFAULT_SCOPES",
    "Fault",
    "ProfileApiSandbox",
    "RecordedCall",
    "RecordedRequest",
    "SampleCustomer",
    "SlackApiSandbox",
    "command_body",
    "interaction_body",
    "serve_forever",
    "sign_headers",
]
