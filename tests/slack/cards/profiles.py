"""Sample profiles for card tests, built directly as the frozen dataclasses the builders take."""

from __future__ import annotations

from typing import Any

from bot.identifiers import Identifier
from bot.segment.errors import ErrorKind
from bot.segment.models import (
    Event,
    ExternalId,
    LinkedAccount,
    Profile,
    SectionError,
)
from bot.slack.cards import CardOptions

FETCHED_AT = 1_717_243_200.0  # 2024-06-01T12:00:00Z
JANE = Identifier("email", "jane@acme.com")
REF = "r3f0paque"
HOSTILE = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U0123ABCD>",
    "<#C0123ABCD>",
    "<!subteam^S0123ABCD>",
    "<https://evil.example|Reset your password>",
    "<mailto:x@evil.example|click>",
    "&lt;!channel&gt;",
    "*bold* _it_ ~s~ `code` ```block```",
    "@here please",
]

OPTIONS = CardOptions(workspace_slug="acme", space_id="spa_123")


def jane_traits() -> dict[str, Any]:
    return {
        "name": "Jane Doe",
        "email": "jane@acme.com",
        "company": "Acme Inc",
        "plan": "enterprise",
        "title": "VP Customer Success",
        "created_at": "2021-03-04T05:06:07Z",
        "last_seen_at": "2024-05-30T10:00:00.123+02:00",
        "seats": 1250,
        "mrr": 4999.5,
        "trial": False,
        "tags": ["vip", "beta", "emea", "renewal", "upsell", "nps-9", "q3"],
        "address": {"city": "Paris", "country": "FR", "geo": {"lat": 48.85, "lon": 2.35}},
        "nickname": None,
        "password": "hunter2",
        "creditCard": "4111111111111111",
    }


def events(count: int = 3) -> tuple[Event, ...]:
    return tuple(
        Event(
            event="Order Completed" if i % 2 == 0 else "Page Viewed",
            type="track",
            timestamp=f"2024-05-{(i % 28) + 1:02d}T09:30:00Z",
            properties={
                "url": "https://acme.com/checkout?very=long",
                "referrer": "https://google.com",
                "total": 120.5 + i,
                "currency": "EUR",
                "items": [1, 2],
                "order_id": f"o_{i}",
            },
        )
        for i in range(count)
    )


def full_profile(**changes: Any) -> Profile:
    base: dict[str, Any] = {
        "identifier": JANE,
        "fetched_at": FETCHED_AT,
        "traits": jane_traits(),
        "audiences": {"High value": True, "Churn risk": False, "Trial users": True},
        "computed_traits": {"lifetime_value": 12345.678, "orders_90d": 7},
        "external_ids": (
            ExternalId("email", "jane@acme.com"),
            ExternalId("user_id", "u_123"),
            ExternalId("anonymous_id", "a1"),
            ExternalId("anonymous_id", "a2"),
            ExternalId("anonymous_id", "a3"),
            ExternalId("anonymous_id", "a4"),
        ),
        "events": events(5),
        "events_cursor": "cursor-2",
        "accounts": (
            LinkedAccount("acme", {"name": "Acme Inc", "plan": "enterprise", "employees": 1200}),
            LinkedAccount(
                "globex", error=SectionError(ErrorKind.TIMEOUT, "timeout", request_id="req-9")
            ),
        ),
    }
    base.update(changes)
    return Profile(**base)


def hostile_profile() -> Profile:
    traits: dict[str, Any] = {}
    for i, value in enumerate(HOSTILE):
        traits[f"k{i}"] = value
        traits[value] = value
    traits["name"] = "<!channel> Jane"
    traits["k" * 5000] = "x" * 100_000
    traits["nested"] = {"<@U1>": ["<!here>", {"<#C1>": "<https://x|y>"}]}
    traits["big"] = 10**5000
    return Profile(
        identifier=Identifier("user_id", "u_1"),
        fetched_at=FETCHED_AT,
        traits=traits,
        audiences=dict.fromkeys(HOSTILE, True),
        computed_traits={v: v for v in HOSTILE},
        external_ids=tuple(ExternalId(v, v) for v in HOSTILE),
        events=tuple(Event(event=v, type=v, timestamp=v, properties={v: v}) for v in HOSTILE),
        events_cursor="c",
        accounts=tuple(LinkedAccount(v, {v: v, "name": v}) for v in HOSTILE),
        errors={"<!channel>": SectionError(ErrorKind.UPSTREAM, "x", request_id="<!here>")},
    )


def many_traits_profile(count: int = 350) -> Profile:
    traits = {f"trait_{i:03d}": f"value {i}" for i in range(count)}
    return Profile(identifier=JANE, fetched_at=FETCHED_AT, traits=traits)


def worst_case(*, known_errors: bool) -> tuple[Profile, CardOptions]:
    """Everything at once, and every string long and made of characters that escaping grows."""
    big = "<&" * 5000
    keys = ["name", "email", "company", "plan", "title", "phone", "created_at", "last_seen_at"]
    traits: dict[str, Any] = {k: {big: [big] * 10} for k in keys}
    traits.update({f"x{i}{big}": big for i in range(30)})
    options = CardOptions(
        pinned_traits=tuple((k, big) for k in list(traits)[:12]),
        workspace_slug="acme",
        space_id="spa_1",
    )
    error = SectionError(ErrorKind.UPSTREAM, "x", request_id=big)
    errors = {f"s{i}{big}": error for i in range(20)}
    if known_errors:
        errors.update(events=error, accounts=error, audiences=error)
    profile = Profile(
        identifier=Identifier("email", big),
        fetched_at=1e9,
        traits=traits,
        traits_complete=False,
        audiences={f"{i}{big}": i % 2 == 0 for i in range(50)},
        computed_traits={f"{i}{big}": big for i in range(50)},
        external_ids=tuple(ExternalId(f"t{i}{big}", big) for i in range(25)),
        events=tuple(
            Event(
                event=big,
                type=big,
                timestamp=big,
                properties={str(i): "<&" * 29 for i in range(10)},
            )
            for _ in range(12)
        ),
        events_cursor="c",
        accounts=tuple(
            LinkedAccount(
                big, {"name": big, **dict.fromkeys(traits, big)}, error if i % 2 else None
            )
            for i in range(20)
        ),
        errors=errors,
    )
    return profile, options
