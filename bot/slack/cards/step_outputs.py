"""The outputs of the "Look up customer" workflow step, built from a profile as plain data.

Outputs can be posted anywhere a workflow posts, so they get the same redaction as a shared card
(cards/sharing.py): only traits in PROFILE_SHAREABLE_TRAITS, never a hidden one. `email` and
`user_id` are identifiers, not shareable by default: they are filled only when the admin lists
them as shareable. Values are plain text on one line: how Workflow Builder treats markup inside a
variable is not documented, so `<` and `>` (the only way to write a mention, a broadcast or a
link in Slack text) never appear in an output.

There is no `card_link` output: Slack has no link that opens a card privately for whoever clicks
it. An app deep link (slack://app?team=…&id=…&tab=home) opens the App Home, not a card, and a
message permalink would show the card to everyone who can open that message.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from itertools import islice
from typing import Any

from bot.segment.models import Profile
from bot.slack.cards import text as t
from bot.slack.cards.common import customer_name, index_by_canonical, visible_items
from bot.slack.cards.options import CardOptions
from bot.trait_policy import TraitPolicy, canonical_key

OUTPUT_FOUND = "found"
OUTPUT_NAME = "name"
OUTPUT_EMAIL = "email"
OUTPUT_USER_ID = "user_id"
OUTPUT_SUMMARY = "summary"
FIXED_OUTPUTS = (OUTPUT_FOUND, OUTPUT_NAME, OUTPUT_EMAIL, OUTPUT_USER_ID)
# One output value, and the summary line: short enough to post, long enough for a plan or name.
OUTPUT_VALUE_LIMIT = 500
SUMMARY_LIMIT = 300
SUMMARY_TRAITS = 4
_LIST_ITEMS = 10


def trait_output_names(options: CardOptions) -> list[str]:
    """Output names for the shareable pinned traits (beyond name/email/user_id), pinned order."""
    policy = options.policy
    taken = {canonical_key(name) for name in FIXED_OUTPUTS}
    names: list[str] = []
    for key, _label in options.pinned_traits:
        folded = canonical_key(key)
        if folded in taken or not policy.is_shareable(key):
            continue
        taken.add(folded)
        names.append(key)
    return names


def step_output_names(options: CardOptions) -> list[str]:
    """Every output the step can fill: found, name, email, user_id, traits…, summary."""
    return [*FIXED_OUTPUTS, *trait_output_names(options), OUTPUT_SUMMARY]


def plain_value(value: Any, policy: TraitPolicy, limit: int = OUTPUT_VALUE_LIMIT) -> str:
    """A JSON value as one line of plain text without `<`/`>`, hidden nested keys dropped."""
    return t.truncate(_one_line(_render(value, policy, depth=0)), limit)


def build_step_outputs(
    profile: Profile | None, options: CardOptions, *, declared: Collection[str] | None = None
) -> dict[str, Any]:
    """The outputs for `profile` (None: not found → found=false, every other output empty).

    `declared` is the output names the step's definition declares (from the function_executed
    event): Slack matches outputs against them, so an admin's extra shareable trait is sent only
    once the manifest declares it too. None means every output the bot knows.
    """
    names = step_output_names(options)
    values: dict[str, Any] = dict.fromkeys(names, "")
    values[OUTPUT_FOUND] = profile is not None
    if profile is not None:
        values.update(_found_values(profile, options))
    if declared is not None:
        # Matched like trait keys (`createdAt` ~ `created_at`), sent under the declared spelling.
        spelling = {canonical_key(name): name for name in declared}
        values = {
            spelling[canonical_key(name)]: value
            for name, value in values.items()
            if canonical_key(name) in spelling
        }
    return values


def _found_values(profile: Profile, options: CardOptions) -> dict[str, Any]:
    policy = options.policy
    shareable = index_by_canonical(
        (key, value)
        for key, value in visible_items(profile.traits, policy)
        if policy.is_shareable(key)
    )
    values: dict[str, Any] = {}
    name = customer_name(profile.traits, policy, allowed=policy.is_shareable)
    values[OUTPUT_NAME] = plain_value(name or "", policy)
    values[OUTPUT_EMAIL] = _trait(shareable, OUTPUT_EMAIL, policy)
    user_id = _trait(shareable, OUTPUT_USER_ID, policy)
    if not user_id and policy.is_shareable(OUTPUT_USER_ID):
        # Segment keeps user_id as an external id rather than a trait.
        found = next((e.id for e in profile.external_ids if e.type == OUTPUT_USER_ID), "")
        user_id = plain_value(found, policy)
    values[OUTPUT_USER_ID] = user_id
    summary_parts = [values[OUTPUT_NAME]] if values[OUTPUT_NAME] else []
    labels = {canonical_key(k): label for k, label in options.pinned_traits}
    for key in trait_output_names(options):
        values[key] = _trait(shareable, key, policy)
        if values[key] and len(summary_parts) <= SUMMARY_TRAITS:
            label = plain_value(labels.get(canonical_key(key), key), policy, 60)
            summary_parts.append(f"{label}: {values[key]}")
    values[OUTPUT_SUMMARY] = t.truncate(" · ".join(summary_parts), SUMMARY_LIMIT)
    return values


def _trait(index: Mapping[str, tuple[str, Any]], key: str, policy: TraitPolicy) -> str:
    found = index.get(canonical_key(key))
    return "" if found is None else plain_value(found[1], policy)


def _render(value: Any, policy: TraitPolicy, *, depth: int) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and value.bit_length() > 128:
        return "a very large number"  # str() refuses past 4300 digits; nobody posts 40 anyway
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return _plain(value[: OUTPUT_VALUE_LIMIT * 2])
    if depth >= 1:
        return "…"  # nested containers are summarised, as on the card
    if isinstance(value, Mapping):
        parts = [
            f"{_plain(str(k)[:60])}: {_render(v, policy, depth=depth + 1)}"
            for k, v in islice(value.items(), 50)
            if not policy.is_hidden(str(k))
        ]
        return ", ".join(parts[:_LIST_ITEMS])
    if isinstance(value, Sequence):
        return ", ".join(_render(v, policy, depth=depth + 1) for v in value[:_LIST_ITEMS])
    return ""


def _plain(text: str) -> str:
    return t.clean_text(text).replace("<", "‹").replace(">", "›")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def step_definition(options: CardOptions) -> dict[str, Any]:
    """The step's parameters in manifest.yml's shape (names and types; tests/test_manifest.py
    keeps the two in step), for a Slack sandbox that stands for an app created from it."""

    def param(kind: str, title: str, required: bool = False) -> dict[str, Any]:
        return {"type": kind, "title": title, "is_required": required}

    outputs = {
        name: param("string", name.replace("_", " ").capitalize())
        for name in step_output_names(options)
    }
    outputs[OUTPUT_FOUND] = param("boolean", "Customer found", True)
    return {
        "title": "Look up customer in Segment",
        "input_parameters": {
            "identifier": param("string", "Customer", True),
            "requested_by": param("slack#/types/user_id", "Requested by", True),
            "channel": param("slack#/types/channel_id", "Results will be posted in"),
        },
        "output_parameters": outputs,
    }
