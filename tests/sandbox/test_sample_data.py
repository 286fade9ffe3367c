"""The bundled sample customers have what the tests, the demo and the benchmarks rely on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from bot.sandbox import ProfileApiSandbox
from bot.sandbox.data import CustomerStore
from tests.sandbox.conftest import USERS

HOSTILE = [
    "<!channel>",
    "<!here>",
    "<@U123>",
    "<#C123>",
    "<!subteam^S123>",
    "<https://evil.example|",
]


def all_traits(client: httpx.Client, segment: str) -> dict:
    traits: dict = {}
    cursor = ""
    while True:
        body = client.get(f"{USERS}/{segment}/traits", params={"limit": 200, "next": cursor}).json()
        traits.update(body["traits"])
        if not body["cursor"]["has_more"]:
            return traits
        cursor = body["cursor"]["next"]


def test_customers_listing(sandbox: ProfileApiSandbox) -> None:
    customers = sandbox.customers()
    assert len(customers) == 8
    assert customers[0].name == "Jane Doe" and customers[0].identifier == "email:jane@example.com"
    assert all(c.summary and ":" in c.identifier for c in customers)
    assert "phone:+15555550123" in {c.identifier for c in customers}


def test_every_listed_identifier_resolves(sandbox: ProfileApiSandbox, client: httpx.Client) -> None:
    from urllib.parse import quote

    for customer in sandbox.customers():
        id_type, _, value = customer.identifier.partition(":")
        response = client.get(f"{USERS}/{id_type}:{quote(value, safe='')}/traits")
        assert response.status_code == 200, customer.name


def test_jane_has_a_full_b2b_profile(client: httpx.Client) -> None:
    traits = all_traits(client, "email:jane%40example.com")
    for key in (
        "name",
        "first_name",
        "last_name",
        "email",
        "company",
        "plan",
        "title",
        "phone",
        "created_at",
        "city",
        "country",
        "logins_30d",
    ):
        assert key in traits, key
    events = client.get(f"{USERS}/user_id:u_jane_001/events", params={"limit": 100}).json()["data"]
    assert len(events) == 20 and all(e["properties"] for e in events)


def test_hostile_customer_values_and_keys(client: httpx.Client) -> None:
    traits = all_traits(client, "email:mallory%40example.net")
    text = " ".join(str(v) for v in traits.values())
    for needle in [*HOSTILE, "*", "```"]:
        assert needle in text, needle
    assert any(isinstance(v, str) and len(v) >= 10_000 for v in traits.values())
    assert any(isinstance(v, dict) for v in traits.values())
    assert any(isinstance(v, list) for v in traits.values())
    assert None in traits.values() and True in traits.values() and False in traits.values()
    assert any(isinstance(v, int) and abs(v) > 2**53 for v in traits.values())
    keys = set(traits)
    assert {"password", "creditCard", "SSN"} <= keys
    assert any(len(k) >= 5000 for k in keys)
    assert any("<!" in k or "*" in k for k in keys)
    events = client.get(f"{USERS}/email:mallory%40example.net/events", params={"limit": 50}).json()
    assert any("<!channel>" in e["event"] for e in events["data"])


def test_phone_customer_also_has_an_email(client: httpx.Client) -> None:
    ids = client.get(f"{USERS}/phone:%2B15555550123/external_ids").json()["data"]
    assert {"phone", "email"} <= {row["type"] for row in ids}


def test_every_event_is_inside_the_14_day_window() -> None:
    store = CustomerStore()
    now = datetime.now(UTC)
    for customer in store.customers():
        id_type, _, value = customer.identifier.partition(":")
        profile = store.find("users", id_type, value)
        assert profile is not None
        for event in profile.events:
            assert now - event.timestamp(now) < timedelta(days=14)


def test_domains_are_reserved_examples() -> None:
    import json
    import re

    from bot.sandbox.data import DEFAULT_CUSTOMERS_PATH

    text = json.dumps(json.loads(DEFAULT_CUSTOMERS_PATH.read_text()))
    for domain in re.findall(r"@([a-z0-9.-]+)", text):
        assert domain.split(".")[-2:][0] == "example", domain


def test_sample_accounts_are_realistic_b2b(
    sandbox: ProfileApiSandbox, client: httpx.Client
) -> None:
    from tests.sandbox.conftest import ACCOUNTS

    listed = {a.identifier: a for a in sandbox.accounts()}
    assert all(a.summary for a in listed.values())

    def linked(group_id: str) -> list[dict]:
        return client.get(f"{ACCOUNTS}/group_id:{group_id}/links").json()["data"]

    assert len(linked("acme-corp")) == 12  # several people
    assert len(linked("globex")) == 20  # 24 linked; Segment's /links stops at 20
    assert linked("vandelay-industries") == []  # nobody yet
    acme = client.get(f"{ACCOUNTS}/group_id:acme-corp/traits", params={"class": "audience"})
    assert acme.json()["traits"] == {"at_risk_accounts": False, "enterprise_accounts": True}
    person = linked("acme-corp")[3]["external_ids"]
    assert {e["type"] for e in person} == {"user_id", "email"}
    user_id = next(e["id"] for e in person if e["type"] == "user_id")
    traits = client.get(f"{USERS}/user_id:{user_id}/traits").json()["traits"]
    assert {"name", "email", "title", "company"} <= set(traits)


def test_account_audiences_can_be_switched_off(
    sandbox: ProfileApiSandbox, client: httpx.Client
) -> None:
    from tests.sandbox.conftest import ACCOUNTS

    sandbox.account_audiences = False
    refused = client.get(f"{ACCOUNTS}/group_id:acme-corp/traits", params={"class": "audience"})
    assert refused.status_code == 400
    traits = client.get(f"{ACCOUNTS}/group_id:acme-corp/traits", params={"limit": 200}).json()
    assert "enterprise_accounts" not in traits["traits"] and "health_score" in traits["traits"]
