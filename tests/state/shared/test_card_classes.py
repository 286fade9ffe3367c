"""Issue 10 §1 with Redis: each process has its own trait-class catalogue, the cache is shared,
and no process ever stores (or shows) a card whose audiences or computed traits are wrong."""

from __future__ import annotations

import pytest

from bot.sandbox.profile_api import ProfileApiSandbox
from bot.segment.lookup import ProfileService
from bot.wiring import build_profile_service, build_state
from tests.segment.conftest import CARLOS, JANE, SPACE, TOKEN, make_settings

pytestmark = pytest.mark.redis

EXPECTED = {
    JANE: ({"high_value_user", "trial_expiring", "active_last_7_days"}, "favorite_category"),
    CARLOS: ({"sms_subscribers", "high_value_user"}, "orders_count"),
}


def process(sandbox: ProfileApiSandbox, redis_url: str) -> ProfileService:
    settings = make_settings(sandbox, REDIS_URL=redis_url)
    return build_profile_service(settings, state=build_state(settings))


def test_two_processes_each_classify_and_share_only_right_cards(redis_url: str) -> None:
    with ProfileApiSandbox(token=TOKEN, space_id=SPACE, rate_limit_rps=None) as sandbox:
        first, second = process(sandbox, redis_url), process(sandbox, redis_url)
        try:
            first.fetch_profile(JANE)  # first learns Jane's keys only
            first.fetch_profile(CARLOS)  # then meets Carlos's unknown keys (the case)
            sandbox.clear_requests()
            for service in (first, second):
                for ident, (audiences, computed_key) in EXPECTED.items():
                    result = service.fetch_profile(ident)
                    assert result.cached  # from Redis, whichever process made it
                    assert set(result.profile.audiences) == audiences
                    assert computed_key in result.profile.computed_traits
                    assert computed_key not in result.profile.traits
            assert sandbox.request_count() == 0
        finally:
            first.close()
            second.close()
