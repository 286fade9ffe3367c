"""Defaults of the settings that are lists: hidden, pinned and shareable traits."""

from __future__ import annotations

# Trait keys never shown anywhere (matched case- and separator-insensitively as globs).
DEFAULT_HIDDEN_TRAITS: tuple[str, ...] = (
    "*password*",
    "*passwd*",
    "*secret*",
    "*token*",
    "*api_key*",
    "*apikey*",
    "ssn",
    "ssn_*",
    "*_ssn",
    "*_ssn_*",
    "*social_security*",
    "*credit_card*",
    "*creditcard*",
    "*card_number*",
    "*cardnumber*",
    "*cvv*",
    "*cvc*",
    "*iban*",
    "*passport*",
    "*tax_id*",
)
DEFAULT_PINNED_TRAITS: tuple[tuple[str, str], ...] = (
    ("name", "Name"),
    ("email", "Email"),
    ("company", "Company"),
    ("plan", "Plan"),
    ("title", "Title"),
    ("phone", "Phone"),
    ("created_at", "Created"),
    ("last_seen_at", "Last seen"),
)
DEFAULT_SHAREABLE_TRAITS: tuple[str, ...] = ("name", "company", "plan", "created_at")
# Account cards (group_id lookups) have their own key traits and shareable list.
DEFAULT_ACCOUNT_PINNED_TRAITS: tuple[tuple[str, str], ...] = (
    ("name", "Name"),
    ("plan", "Plan"),
    ("industry", "Industry"),
    ("employees", "Employees"),
    ("mrr", "MRR"),
    ("arr", "ARR"),
    ("renewal_date", "Renewal"),
    ("csm", "CSM"),
    ("owner", "Owner"),
    ("health_score", "Health"),
)
DEFAULT_ACCOUNT_SHAREABLE_TRAITS: tuple[str, ...] = ("name", "plan", "industry")
DEFAULT_ACCOUNT_PEOPLE_ON_CARD = 10
