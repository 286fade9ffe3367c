"""The workflow step as manifest.yml declares it, declared in a Slack sandbox the way creating
the app from the manifest declares it in Slack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.sandbox.slack_api import SlackApiSandbox
from bot.slack import component_ids as ids

STEP = ids.LOOKUP_STEP
MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"


def manifest_step() -> dict[str, Any]:
    """The step's definition in manifest.yml."""
    definition: dict[str, Any] = yaml.safe_load(MANIFEST.read_text())["functions"][STEP]
    return definition


def declare_step(slack: SlackApiSandbox) -> None:
    """Declare the manifest's step in the Slack sandbox (as installing the app would)."""
    slack.declare_function(STEP, manifest_step())
