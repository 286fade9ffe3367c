"""What the bot leaves in Redis: every key has a TTL, and no key or value holds PII in clear."""

from __future__ import annotations

import time

import pytest
import redis

from bot.identifiers import Identifier, IdentifierParser
from bot.sandbox.profile_api import ProfileApiSandbox
from bot.segment.errors import ErrorKind, ProfileApiError
from bot.slack.context import CardContext, CardContexts
from bot.wiring import build_profile_service, build_state
from tests.state.shared.helpers import FERNET_KEY, all_keys, settings_for

pytestmark = pytest.mark.redis

GROUP = "S0CSTEAM"
MEMBER = "U0MEMBER1"
RESPONSE_URL = "https://hooks.slack.com/actions/T0/123/secretpart"


def stored_bytes(url: str) -> dict[bytes, bytes]:
    """Every key with everything stored under it, as one byte string."""
    client = redis.Redis.from_url(url)
    out: dict[bytes, bytes] = {}
    try:
        for key in client.scan_iter(count=1000):
            kind = client.type(key)
            if kind == b"string":
                out[key] = client.get(key) or b""
            elif kind == b"zset":
                out[key] = b" ".join(client.zrange(key, 0, -1))
            else:
                out[key] = b"<" + kind + b">"
    finally:
        client.close()
    return out


def test_every_key_expires_and_nothing_stored_names_a_customer(redis_url: str) -> None:
    with ProfileApiSandbox() as sandbox:
        settings = settings_for(redis_url, key=FERNET_KEY, SEGMENT_PROFILE_API_URL=sandbox.base_url)
        state = build_state(settings)
        service = build_profile_service(settings, state=state)
        parser = IdentifierParser(settings.id_types, settings.phone_id_type)
        customers = [parser.parse(c.identifier) for c in sandbox.customers()]
        try:
            for ident in customers:
                try:
                    service.fetch_profile(ident)
                except ProfileApiError as error:  # a sample customer may be a failure demo
                    assert error.kind is not ErrorKind.UNAUTHORIZED
            assert service.fetch_profile(customers[0]).cached is True
            missing = Identifier("email", "nobody-here@example.com")
            for _ in range(2):
                with pytest.raises(ProfileApiError):
                    service.fetch_profile(missing)
        finally:
            service.close()
    contexts = CardContexts(state.contexts)
    ref = contexts.create(
        CardContext(
            requester=MEMBER,
            team_id="T0SANDBOX",
            channel_id="C0SUPPORT",
            entry_point="command",
            surface="message",
            ident_type=customers[0].type,
            ident_value=customers[0].value,
            response_url=RESPONSE_URL,
        )
    )
    assert contexts.get(ref) is not None
    state.memberships.put(GROUP, frozenset({MEMBER}), 300)
    assert state.duplicates.first_time("event:Ev0PROFILE1", 600)
    assert state.budget.acquire(time.monotonic() + 1)

    keys = all_keys(redis_url)
    kinds = {key.split(b":")[1] for key in keys}
    assert {b"profile", b"context", b"members", b"delivery", b"budget", b"budget-pace"} <= kinds
    assert all(key.startswith(b"profile-bot:") for key in keys)
    no_ttl = [key for key, ttl in keys.items() if ttl <= 0]
    assert no_ttl == [], "keys without a TTL"

    secrets_in_clear = [
        *(ident.value.encode() for ident in customers),
        missing.value.encode(),
        b"@example.com",
        RESPONSE_URL.encode(),
        ref.encode(),
        GROUP.encode(),
        MEMBER.encode(),
        b"Ev0PROFILE1",
        settings.segment_space_id.encode(),
    ]
    for key, value in stored_bytes(redis_url).items():
        for secret in secrets_in_clear:
            assert secret not in key, f"{secret!r} in a key"
            assert secret not in value, f"{secret!r} in the value of {key!r}"
