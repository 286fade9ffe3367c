"""Hidden and shareable trait keys: case- and separator-insensitive globs, hidden always wins."""

from __future__ import annotations

import pytest

from bot.settings import DEFAULT_HIDDEN_TRAITS
from bot.trait_policy import TraitPolicy, canonical_key

POLICY = TraitPolicy((*DEFAULT_HIDDEN_TRAITS, "internal_*"), ("name", "plan", "password"))


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "userPassword",
        "creditCard",
        "credit-card",
        "creditcard",
        "Credit Card Number",
        "SSN",
        "ssn_last4",
        "customerSSN",
        "api_key",
        "apiKey",
        "accessToken",
        "cardNumber",
        "passport_no",
        "internal_notes",
        "InternalScore",
    ],
)
def test_hidden(key: str) -> None:
    assert POLICY.is_hidden(key)
    assert not POLICY.is_shareable(key)


@pytest.mark.parametrize("key", ["name", "plan", "classname", "business_name", "lesson", "email"])
def test_not_hidden(key: str) -> None:
    assert not POLICY.is_hidden(key)


def test_shareable_is_exact_and_hidden_wins() -> None:
    assert POLICY.is_shareable("Name") and POLICY.is_shareable("plan")
    assert not POLICY.is_shareable("email")
    assert not POLICY.is_shareable("password")  # listed as shareable, but hidden wins


def test_canonical_key() -> None:
    assert canonical_key("creditCard") == canonical_key("Credit-Card") == "credit_card"
    assert POLICY.visible(["name", "password", "plan"]) == ["name", "plan"]
