"""Issue 10 §2: lowercase first, then once exactly as typed (Tom's user_id is c0HN02fNe1)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.identifiers import IdentifierParser
from bot.sandbox.profile_api import ProfileApiSandbox
from bot.segment.errors import ErrorKind, ProfileApiError
from bot.segment.lookup import ProfileService

ServiceFactory = Callable[..., ProfileService]
PARSER = IdentifierParser(["user_id", "email", "anonymous_id", "group_id"], "phone")


def user_id_values(sandbox: ProfileApiSandbox) -> list[str]:
    """The user_id forms asked for on /traits, in order (the path holds `user_id:<value>`)."""
    return [
        r.segment.partition(":")[2]
        for r in sandbox.requests()
        if r.route == "traits"
        and "class" not in r.query
        and (r.segment or "").startswith("user_id:")
    ]


def test_mixed_case_id_is_found_exactly_as_typed_after_lowercase(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    service = make_service()
    result = service.fetch_profile(PARSER.parse("user_id:c0HN02fNe1"))
    assert user_id_values(sandbox) == ["c0hn02fne1", "c0HN02fNe1"]
    profile = result.profile
    assert profile.identifier.exact and profile.identifier.value == "c0HN02fNe1"
    assert profile.traits["name"] == "Tom Becker"

    sandbox.clear_requests()  # both answers are remembered: the 404 and the profile
    again = service.fetch_profile(PARSER.parse("user_id:c0HN02fNe1"))
    assert again.cached and again.profile == profile
    assert sandbox.request_count() == 0


def test_the_exact_form_has_its_own_cache_key(make_service: ServiceFactory) -> None:
    service = make_service()
    ident = PARSER.parse("user_id:c0HN02fNe1")
    exact = ident.exact_form()
    assert exact is not None
    assert service.cache_key(ident) != service.cache_key(exact)


def test_lowercase_typed_is_not_tried_twice(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    service = make_service()
    with pytest.raises(ProfileApiError) as caught:
        service.fetch_profile(PARSER.parse("user_id:c0hn02fne1"))
    assert caught.value.kind is ErrorKind.NOT_FOUND
    assert user_id_values(sandbox) == ["c0hn02fne1"]


def test_capitals_that_match_nobody_either_way_are_not_found_once_each(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    service = make_service()
    for _ in range(2):
        with pytest.raises(ProfileApiError) as caught:
            service.fetch_profile(PARSER.parse("user_id:NoSuchUser"))
        assert caught.value.kind is ErrorKind.NOT_FOUND
    assert user_id_values(sandbox) == ["nosuchuser", "NoSuchUser"]  # then remembered


def test_a_lowercase_match_wins_over_the_typed_form(
    sandbox: ProfileApiSandbox, make_service: ServiceFactory
) -> None:
    profile = make_service().fetch_profile(PARSER.parse("user_id:U_JANE_001")).profile
    assert not profile.identifier.exact and profile.identifier.value == "u_jane_001"
    assert user_id_values(sandbox) == ["u_jane_001"]
