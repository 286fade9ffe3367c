"""`profile-bot demo` as a child process: the real app answers a signed /profile offline and the
card is printed (or its Block Kit JSON). It needs no settings, so it runs in an empty directory
with an empty environment."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from bot.sandbox import ProfileApiSandbox
from tests.support.blockkit import assert_valid_message
from tests.support.cli_process import child_environ, run_bot


def _demo(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = run_bot("demo", *args, environ=child_environ({}), cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def sample_customers() -> list:
    with ProfileApiSandbox() as sandbox:
        return sandbox.customers()


def test_without_an_identifier_shows_a_sample_customer_and_lists_the_others(
    tmp_path: Path, sample_customers: list
) -> None:
    # A broken .env in the directory must not matter: the demo brings its own settings.
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=broken\n")
    out = _demo(tmp_path).stdout
    assert "You typed:  /profile email:jane@example.com" in out
    card = out.split("Then the card replaces it", 1)[1].split("Other sample customers", 1)[0]
    # Name as the header, then pinned traits, audiences, computed traits, account and events.
    assert "\n  Jane Doe\n  ════════" in card
    for label, value in (("Company", "Acme Corp"), ("Plan", "enterprise")):
        assert any(line.split() == [label, *value.split()] for line in card.splitlines()), label
    for text in ("Audiences", "Computed traits", "Linked accounts", "Recent events"):
        assert text in card
    assert "[ All traits ]" in card
    listed = out.split("Other sample customers", 1)[1]
    assert len(sample_customers) >= 5
    for customer in sample_customers:
        assert customer.identifier in listed and customer.name in listed
    accounts = listed.split("Accounts (B2B customers):", 1)[1]
    for group_id in ("group_id:acme-corp", "group_id:globex", "group_id:vandelay-industries"):
        assert group_id in accounts


def test_an_account_shows_the_account_card(tmp_path: Path) -> None:
    out = _demo(tmp_path, "account:acme-corp").stdout
    card = out.split("Then the card replaces it", 1)[1]
    assert "\n  Acme Corp\n" in card and "People (12 linked)" in card
    assert "Jane Doe · VP of Operations" in card and "[ People ]" in card
    assert "events" not in card.lower()


def test_an_identifier_shows_that_customer(tmp_path: Path) -> None:
    out = _demo(tmp_path, "priya.raman@example.com").stdout
    assert "You typed:  /profile priya.raman@example.com" in out
    assert "\n  Priya Raman\n" in out
    assert "Other sample customers" not in out


def test_json_is_block_kit_for_the_builder(tmp_path: Path) -> None:
    result = _demo(tmp_path, "--json")
    payload = json.loads(result.stdout)  # nothing but the JSON on stdout
    assert list(payload) == ["blocks"]
    assert payload["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Jane Doe", "emoji": False},
    }
    assert_valid_message({"text": "Jane Doe", **payload})


def test_json_for_another_customer(tmp_path: Path) -> None:
    payload = json.loads(_demo(tmp_path, "phone:+15555550123", "--json").stdout)
    assert payload["blocks"][0]["text"]["text"] == "Carlos Mendoza"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("nobody@example.com", "No profile found for email:nobody@example.com"),
        ("help", "Look up a customer's Segment profile"),
        ("shoe_size:42", "`shoe_size` is not an id type this bot looks up"),
    ],
)
def test_other_answers_are_printed_too(tmp_path: Path, typed: str, expected: str) -> None:
    assert expected in _demo(tmp_path, typed).stdout


def test_the_customer_list_reads_as_a_support_person_would_and_agrees_with_the_cards(
    sample_customers: list,
) -> None:
    # The list is read beside the cards: no developer notes (URL encoding, page sizes, ids to
    # type), no relative dates that the card's "Created" contradicts, no counts it could miss.
    notes = re.compile(
        r"%2B|limit=|\bpages? at\b|\(send|group_id:|yesterday|today|last week|"
        r"\b\d+\s+(?:traits|events)\b",
        re.IGNORECASE,
    )
    for customer in sample_customers:
        assert not notes.search(customer.summary), customer.summary
