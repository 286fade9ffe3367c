"""Who may use the bot: members of the allowed Slack user groups, checked from a TTL cache; with
PROFILE_ALLOW_ALL_USERS, everyone whose users.info says they belong to the installing organisation.

Fails closed: when Slack cannot tell us (rate limit, missing scope, free plan, timeout) and no fresh
membership is cached, the person is refused with the reason. Slack's user-group methods are Tier 2
(about 20 calls a minute), so a rate limit or an error pauses all calls for a while instead of
retrying.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cachetools import TTLCache
from slack_sdk import WebClient

from bot.slack.slack_connect import HomeOrg, Origin, origin_of_user
from bot.slack.web_client import error_code, retry_after_seconds
from bot.state.interfaces import MembershipStore

logger = logging.getLogger(__name__)

# The whole check, on a cold cache, must leave the ack well inside Slack's 3 seconds: no Slack
# call starts after the budget, and each one is cut at GATE_TIMEOUT_SECONDS, so a check ends
# within about budget + timeout = 2.5 s even when Slack hangs.
CHECK_BUDGET_SECONDS = 1.5
GATE_TIMEOUT_SECONDS = 1
# After a failure other than a rate limit, wait this long before asking Slack again.
ERROR_COOLDOWN_SECONDS = 5.0
# users.info answers (allow-all mode) kept per person; a person's organisation does not change.
MAX_CACHED_ACTORS = 10_000
# Answers that concern one group or one person: no pause for everyone else.
_NOT_FOUND = frozenset({"no_such_subteam", "user_not_found"})
_UNAVAILABLE_TEXT = {
    "plan_upgrade_required": "this Slack plan has no user groups",
    "missing_scope": "the app lacks the usergroups:read scope",
    "invalid_auth": "the bot token was refused",
    "not_authed": "the bot token was refused",
    "token_revoked": "the bot token was revoked",
    "ratelimited": "Slack is rate-limiting the bot",
    "timeout": "Slack did not answer in time",
    "connection_error": "Slack could not be reached",
}


@dataclass(frozen=True)
class AccessDecision:
    """The outcome of a check: `reason` is member | allow_all | not_member | unavailable |
    external_team | team_unknown."""

    allowed: bool
    reason: str
    detail: str | None = None  # why access could not be verified: an error code, no PII

    def unavailable_text(self) -> str:
        """A short reason for a person, for `reason == "unavailable"`."""
        return _UNAVAILABLE_TEXT.get(self.detail or "", f"Slack answered {self.detail}")


class _Unavailable(Exception):
    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


def is_group_id(entry: str) -> bool:
    """True for a user-group id such as S0123ABCD (as opposed to a handle)."""
    return len(entry) > 1 and entry[0] == "S" and entry[1:].isalnum() and entry.upper() == entry


class AccessChecker:
    """Membership of the allowed user groups, cached in a MembershipStore."""

    def __init__(
        self,
        client: WebClient,
        memberships: MembershipStore,
        *,
        groups: tuple[str, ...],
        allow_all: bool,
        membership_ttl: float,
        budget_seconds: float = CHECK_BUDGET_SECONDS,
        error_cooldown: float = ERROR_COOLDOWN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.allow_all = allow_all
        self._entries = tuple(g.strip().lstrip("@") for g in groups)
        self._ttl = membership_ttl
        self._client = client
        self._memberships = memberships
        self._budget = budget_seconds
        self._cooldown = error_cooldown
        self._clock = clock
        self._lock = threading.Lock()  # one refresh at a time: a cold burst makes one Slack call
        self._handles: dict[str, str] = {}  # handle → group id
        self._labels: dict[str, str] = {}  # group id → "@handle"
        self._handles_until = 0.0
        self._blocked_until = 0.0
        self._blocked_code = ""
        self._origins: TTLCache[str, Origin] = TTLCache(
            MAX_CACHED_ACTORS, membership_ttl, timer=clock
        )
        self._origins_lock = threading.Lock()

    def check(self, user_id: str | None, home: HomeOrg | None = None) -> AccessDecision:
        """Whether `user_id` may use the bot; never raises, bounded by the check budget.

        With allow-all there is no group to vouch for the person, so users.info (cached) must
        say they belong to `home`, the installing organisation, before anything is looked up.
        """
        if self.allow_all:
            return self._check_organisation(user_id, home)
        if not user_id:
            return AccessDecision(False, "not_member")
        deadline = self._clock() + self._budget
        failure: str | None = None
        try:
            group_ids = self._group_ids(deadline)
        except _Unavailable as exc:
            return AccessDecision(False, "unavailable", exc.code)
        for group_id in group_ids:
            try:
                members = self._members(group_id, deadline)
            except _Unavailable as exc:
                failure = failure or exc.code
                continue
            if user_id in members:
                return AccessDecision(True, "member")
        if failure is not None:
            return AccessDecision(False, "unavailable", failure)
        return AccessDecision(False, "not_member")

    def _check_organisation(self, user_id: str | None, home: HomeOrg | None) -> AccessDecision:
        if not user_id or home is None or not (home.team_id or home.enterprise_id):
            return AccessDecision(False, "team_unknown")
        with self._origins_lock:
            origin = self._origins.get(user_id)
        if origin is None:
            try:
                response = self._call("users.info", self._clock() + self._budget, user=user_id)
            except _Unavailable as exc:
                return AccessDecision(False, "unavailable", exc.code)
            user = (response or {}).get("user")
            origin = origin_of_user(user, home) if isinstance(user, dict) else Origin.UNKNOWN
            if origin is not Origin.UNKNOWN:  # an unknown answer is asked again next time
                with self._origins_lock:
                    self._origins[user_id] = origin
        if origin is Origin.HOME:
            return AccessDecision(True, "allow_all")
        return AccessDecision(False, "external_team" if origin is Origin.OTHER else "team_unknown")

    def allowed_members(self) -> tuple[frozenset[str] | None, str | None]:
        """(everyone in the allowed groups, None), or (None, Slack's error code) when unknown.

        For deciding who may add the workflow step; not meaningful with `allow_all`.
        """
        deadline = self._clock() + self._budget
        members: set[str] = set()
        try:
            for group_id in self._group_ids(deadline):
                members.update(self._members(group_id, deadline))
        except _Unavailable as exc:
            return None, exc.code
        return frozenset(members), None

    def group_labels(self) -> tuple[str, ...]:
        """How to name the allowed groups to a person: `@handle` where known, else the id."""
        if any(is_group_id(e) and e not in self._labels for e in self._entries):
            with contextlib.suppress(_Unavailable):  # the ids will do
                self._load_handles(self._clock() + self._budget / 2)
        return tuple(self._labels.get(e, e) if is_group_id(e) else f"@{e}" for e in self._entries)

    def invalidate(self, group_id: str | None = None) -> None:
        """Forget cached membership (one group, or all) and the handle map.

        Under the refresh lock: a fetch already in flight (answered before the change) stores
        its list first, and is then forgotten too, instead of outliving the change for a TTL.
        """
        with self._lock:
            self._memberships.invalidate(group_id)
            self._handles_until = 0.0

    def _group_ids(self, deadline: float) -> list[str]:
        ids = [e for e in self._entries if is_group_id(e)]
        handles = [e for e in self._entries if not is_group_id(e)]
        if handles:
            if self._clock() >= self._handles_until:
                self._load_handles(deadline)
            for handle in handles:
                group_id = self._handles.get(handle.lower())
                if group_id is None:
                    logger.warning("allowed user group @%s does not exist in Slack", handle)
                else:
                    ids.append(group_id)
        return list(dict.fromkeys(ids))

    def _members(self, group_id: str, deadline: float) -> frozenset[str]:
        cached = self._memberships.get(group_id)
        if cached is not None:
            return cached
        if not self._lock.acquire(timeout=max(0.0, deadline - self._clock())):
            raise _Unavailable("timeout")
        try:
            cached = self._memberships.get(group_id)  # another thread may have just fetched it
            if cached is not None:
                return cached
            response = self._call("usergroups.users.list", deadline, usergroup=group_id)
            if response is None:  # no such group: nobody is a member through it
                members: frozenset[str] = frozenset()
            else:
                members = frozenset(str(u) for u in response.get("users") or ())
            self._memberships.put(group_id, members, self._ttl)
            return members
        finally:
            self._lock.release()

    def _load_handles(self, deadline: float) -> None:
        if not self._lock.acquire(timeout=max(0.0, deadline - self._clock())):
            raise _Unavailable("timeout")
        try:
            if self._clock() < self._handles_until:
                return
            response = self._call("usergroups.list", deadline)
            groups = (response or {}).get("usergroups") or ()
            self._handles = {
                str(g.get("handle", "")).lower(): str(g.get("id")) for g in groups if g.get("id")
            }
            self._labels = {
                str(g.get("id")): f"@{g.get('handle')}" for g in groups if g.get("handle")
            }
            self._handles_until = self._clock() + self._ttl
        finally:
            self._lock.release()

    def _call(self, method: str, deadline: float, **params: str) -> dict[str, Any] | None:
        now = self._clock()
        if now < self._blocked_until:
            raise _Unavailable(self._blocked_code)
        if now >= deadline:
            raise _Unavailable("timeout")
        try:
            response = self._client.api_call(method, http_verb="GET", params=params)
        except Exception as exc:
            code = error_code(exc)
            if code in _NOT_FOUND:
                if code == "no_such_subteam":
                    logger.warning("allowed user group %s does not exist in Slack", params)
                return None
            pause = retry_after_seconds(exc) if code == "ratelimited" else self._cooldown
            self._blocked_until = self._clock() + pause
            self._blocked_code = code
            logger.warning(
                "access check failed: %s %s; refusing everyone without cached membership "
                "for %.0f s",
                method,
                code,
                pause,
            )
            raise _Unavailable(code) from None
        return dict(response.data) if isinstance(response.data, dict) else {}
