"""Scenario 35: someone who can write to the shared Redis cannot vouch for anything in it.

Signed requests over real HTTP to a bot whose state lives in a real redis-server. The attacker
reads and rewrites every key (they can see the key names) but holds neither AUDIT_HASH_KEY nor
PROFILE_CACHE_ENCRYPTION_KEY. Whatever they plant is refused: a logged miss, after which the bot
asks Slack or Segment again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from cryptography.fernet import Fernet

from bot.identifiers import Identifier
from bot.sandbox.redis_server import RedisServer, RedisServerMissing
from bot.segment.models import Profile
from bot.state.codec import encode_context, encode_entry
from tests.security.checks import assert_acked, fresh, member_card, only_record, warnings_of
from tests.support.harness import (
    GROUP_ID,
    JANE,
    MEMBER,
    MEMBER_2,
    OUTSIDER,
    BotHarness,
    button,
    card_text,
)

pytestmark = pytest.mark.redis

CARLOS = "carlos.mendoza@example.org"


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    try:
        server = RedisServer()
    except RedisServerMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    with server:
        yield server


@pytest.fixture(params=["tagged", "encrypted"])
def shared_bot(
    request: pytest.FixtureRequest,
    redis_server: RedisServer,
    make_bot: Callable[..., BotHarness],
) -> BotHarness:
    client = redis_server.client()
    client.flushall()
    client.close()
    env = {"REDIS_URL": redis_server.url}
    if request.param == "encrypted":
        env["PROFILE_CACHE_ENCRYPTION_KEY"] = Fernet.generate_key().decode()
    return make_bot(env=env)


class Attacker:
    """Full read/write access to the bot's Redis, and nothing else."""

    def __init__(self, server: RedisServer) -> None:
        self.client = server.client()

    def keys(self, kind: str) -> list[bytes]:
        return sorted(self.client.scan_iter(match=f"profile-bot:{kind}:*"))

    def write(self, key: bytes, value: bytes) -> None:
        assert self.client.set(key, value, keepttl=True)

    def read(self, key: bytes) -> bytes:
        value = self.client.get(key)
        assert isinstance(value, bytes)
        return value


@pytest.fixture
def attacker(redis_server: RedisServer) -> Iterator[Attacker]:
    who = Attacker(redis_server)
    yield who
    who.client.close()


def test_s35_planted_member_set_does_not_let_an_outsider_in(
    shared_bot: BotHarness, attacker: Attacker
) -> None:
    bot = shared_bot
    member_card(bot)  # the group's members are now cached in Redis
    (members_key,) = attacker.keys("members")
    planted = json.dumps([MEMBER, MEMBER_2, OUTSIDER]).encode()
    for forged in (b"p1:" + planted, b"p2:" + b"\0" * 32 + planted, planted):
        attacker.write(members_key, forged)
        asked_slack = len(bot.slack.calls("usergroups.users.list"))
        mark = fresh(bot)
        with warnings_of("bot.redis") as alerts:
            sent = bot.post_command(f"email:{JANE}", user=OUTSIDER)
        assert_acked(sent)
        assert "don't have access" in card_text(sent.json())
        only_record(mark, action="refusal", outcome="denied", user_id=OUTSIDER)
        # The planted set was a miss: the gate asked Slack, which knows the real members.
        assert len(bot.slack.calls("usergroups.users.list")) == asked_slack + 1
        assert bot.sandbox.requests() == []
        assert all(OUTSIDER not in message for message in alerts.messages)
    assert bot.services.state.memberships.get(GROUP_ID) == frozenset({MEMBER, MEMBER_2})


def test_s35_planted_or_swapped_profile_is_refused(
    shared_bot: BotHarness, attacker: Attacker
) -> None:
    bot = shared_bot
    assert "Jane Doe" in card_text(member_card(bot))
    (jane_key,) = attacker.keys("profile")
    forged = Profile(Identifier("email", JANE), fetched_at=1.0, traits={"name": "Planted Person"})
    attacker.write(jane_key, b"p1:" + encode_entry(forged))
    mark = fresh(bot)
    with warnings_of("bot.redis") as alerts:
        card = member_card(bot)
    assert "Jane Doe" in card_text(card) and "Planted" not in card_text(card)
    assert bot.sandbox.requests() != []  # a miss: fetched again from Segment
    only_record(mark, action="lookup")
    assert any("was refused" in message for message in alerts.messages)
    # A genuine value moved to another customer's key is refused too.
    bot.wait_response(bot.post_command(f"email:{CARLOS}").response_url)
    carlos_key = next(key for key in attacker.keys("profile") if key != jane_key)
    attacker.write(carlos_key, attacker.read(jane_key))
    fresh(bot)
    card = bot.wait_response(bot.post_command(f"email:{CARLOS}").response_url)
    assert "Carlos" in card_text(card) and "Jane Doe" not in card_text(card)


def test_s35_planted_card_context_is_refused(shared_bot: BotHarness, attacker: Attacker) -> None:
    bot = shared_bot
    card = member_card(bot)
    (context_key,) = attacker.keys("context")
    genuine = attacker.read(context_key)
    # MEMBER_2 rewrites MEMBER's card context to make it theirs, and presses its button.
    planted = {"requester": MEMBER_2, "identifier": f"email:{CARLOS}"}
    attacker.write(context_key, b"p1:" + encode_context(planted))
    fresh(bot)
    with warnings_of("bot.redis") as alerts:
        sent = bot.post_action(
            "profile_all_traits", button(card, "profile_all_traits")["value"], user=MEMBER_2
        )
        # The context is read after the ack (in the button's job): listen until its answer.
        assert_acked(sent)
        assert "expired" in card_text(bot.wait_response(sent.response_url))
    assert bot.slack.calls("views.open") == [] and bot.sandbox.requests() == []
    assert any("card context" in message for message in alerts.messages)
    assert all(CARLOS not in message for message in alerts.messages)
    # A tampered byte is refused as well; the genuine value, put back, works again.
    middle = len(genuine) // 2
    attacker.write(
        context_key, genuine[:middle] + bytes([genuine[middle] ^ 0x01]) + genuine[middle + 1 :]
    )
    sent = bot.post_action("profile_all_traits", button(card, "profile_all_traits")["value"])
    assert "expired" in card_text(bot.wait_response(sent.response_url))
    attacker.write(context_key, genuine)
    bot.post_action("profile_all_traits", button(card, "profile_all_traits")["value"])
    bot.slack.wait_for_calls("views.open")
