"""The workflow step's outputs, built from a profile as plain data (cards/step_outputs.py)."""

from __future__ import annotations

from dataclasses import replace

from bot.slack.cards import CardOptions
from bot.slack.cards.step_outputs import (
    OUTPUT_VALUE_LIMIT,
    SUMMARY_LIMIT,
    build_step_outputs,
    step_output_names,
    trait_output_names,
)
from tests.slack.cards.profiles import HOSTILE, OPTIONS, full_profile, hostile_profile

DEFAULT_OUTPUTS = ["found", "name", "email", "user_id", "company", "plan", "created_at", "summary"]


def test_default_outputs_are_the_shareable_pinned_traits() -> None:
    assert step_output_names(OPTIONS) == DEFAULT_OUTPUTS
    assert trait_output_names(OPTIONS) == ["company", "plan", "created_at"]


def test_found_profile_fills_only_shareable_values() -> None:
    outputs = build_step_outputs(full_profile(), OPTIONS)
    assert outputs == {
        "found": True,
        "name": "Jane Doe",
        "email": "",  # not shareable by default
        "user_id": "",
        "company": "Acme Inc",
        "plan": "enterprise",
        "created_at": "2021-03-04T05:06:07Z",
        "summary": (
            "Jane Doe · Company: Acme Inc · Plan: enterprise · Created: 2021-03-04T05:06:07Z"
        ),
    }


def test_not_found_is_found_false_with_empty_values() -> None:
    outputs = build_step_outputs(None, OPTIONS)
    assert outputs == dict.fromkeys(DEFAULT_OUTPUTS, "") | {"found": False}


def test_declared_outputs_filter_what_is_sent() -> None:
    outputs = build_step_outputs(full_profile(), OPTIONS, declared={"found", "plan", "other"})
    assert outputs == {"found": True, "plan": "enterprise"}


def test_declared_outputs_match_trait_keys_loosely() -> None:
    options = replace(OPTIONS, pinned_traits=(("createdAt", "Created"),))
    outputs = build_step_outputs(full_profile(), options, declared={"found", "created_at"})
    assert outputs == {"found": True, "created_at": "2021-03-04T05:06:07Z"}


def test_identifiers_and_more_traits_when_the_admin_shares_them() -> None:
    options = replace(
        OPTIONS,
        shareable_traits=("name", "email", "user_id", "seats", "tags", "address", "password"),
        pinned_traits=(("name", "Name"), ("seats", "Seats"), ("tags", "Tags"), ("address", "At")),
    )
    assert trait_output_names(options) == ["seats", "tags", "address"]
    outputs = build_step_outputs(full_profile(), options)
    assert outputs["email"] == "jane@acme.com"
    assert outputs["user_id"] == "u_123"  # from the external ids: Segment keeps it there
    assert outputs["seats"] == "1250"
    assert outputs["tags"] == "vip, beta, emea, renewal, upsell, nps-9, q3"
    assert outputs["address"] == "city: Paris, country: FR, geo: …"
    assert "hunter2" not in str(outputs) and "password" not in outputs


def test_hidden_traits_never_become_outputs_even_when_pinned_and_shareable() -> None:
    options = replace(
        OPTIONS,
        shareable_traits=("name", "creditCard", "password", "address"),
        pinned_traits=(("creditCard", "Card"), ("password", "Pw"), ("address", "At")),
        hidden_traits=(*OPTIONS.hidden_traits, "country"),
    )
    assert trait_output_names(options) == ["address"]
    outputs = build_step_outputs(full_profile(), options)
    assert "4111111111111111" not in str(outputs) and "hunter2" not in str(outputs)
    assert outputs["address"] == "city: Paris, geo: …"  # the hidden nested key is dropped


def test_hostile_values_come_out_as_inert_plain_text() -> None:
    options = replace(
        OPTIONS,
        shareable_traits=("name", "k0", "k4", "k6", "nested", "big"),
        pinned_traits=(("k0", "K0"), ("k4", "K4"), ("k6", "K6"), ("nested", "N"), ("big", "B")),
    )
    outputs = build_step_outputs(hostile_profile(), options)
    for name, value in outputs.items():
        if isinstance(value, str):
            assert "<" not in value and ">" not in value, name
            assert "\n" not in value
    assert outputs["name"] == "‹!channel› Jane"
    assert outputs["k0"] == "‹!channel›"
    assert outputs["k6"] == "‹https://evil.example|Reset your password›"
    assert outputs["big"] == "a very large number"
    assert HOSTILE[0] not in str(outputs)


def test_values_and_summary_are_bounded() -> None:
    profile = full_profile(traits={"name": "J" * 10_000, "plan": "p " * 5000})
    outputs = build_step_outputs(profile, OPTIONS)
    assert len(outputs["name"]) == OUTPUT_VALUE_LIMIT and outputs["name"].endswith("…")
    assert len(outputs["plan"]) <= OUTPUT_VALUE_LIMIT
    assert len(outputs["summary"]) == SUMMARY_LIMIT


def test_default_card_options_match_the_manifest() -> None:
    from tests.support.workflow import manifest_step

    declared = list(manifest_step()["output_parameters"])
    assert step_output_names(CardOptions()) == declared
