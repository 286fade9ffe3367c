"""The Slack Web API sandbox, driven by slack_sdk's real WebClient and by raw form posts."""

from __future__ import annotations

import json
import threading

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.sandbox import DEFAULT_SCOPES, SlackApiSandbox

MODAL = {"type": "modal", "title": {"type": "plain_text", "text": "Customer"}, "blocks": []}


@pytest.fixture
def web(slack: SlackApiSandbox) -> WebClient:
    return WebClient(token="xoxb-sandbox-token", base_url=slack.api_url)


def error_of(call) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value.response["error"]


def test_auth_test_and_scopes_header(slack: SlackApiSandbox, web: WebClient) -> None:
    response = web.auth_test()
    assert {"url", "team", "user", "team_id", "user_id", "bot_id"} <= set(response.data)
    assert response["team_id"] == "T0SANDBOX"
    assert response.headers["x-oauth-scopes"] == DEFAULT_SCOPES
    assert [c.method for c in slack.calls()] == ["auth.test"]


def test_bad_or_missing_token(slack: SlackApiSandbox, anon: httpx.Client) -> None:
    bad = WebClient(token="xoxb-wrong", base_url=slack.api_url)
    assert error_of(bad.auth_test) == "invalid_auth"
    response = anon.post(slack.api_url + "auth.test")
    assert response.json() == {"ok": False, "error": "not_authed"}


def test_token_is_never_recorded(slack: SlackApiSandbox, anon: httpx.Client) -> None:
    anon.post(
        slack.api_url + "users.info", data={"token": "xoxb-sandbox-token", "user": "U0SANDBOX1"}
    )
    (call,) = slack.calls("users.info")
    assert call.params == {"user": "U0SANDBOX1"}
    assert "xoxb" not in json.dumps([c.params for c in slack.calls()])


def test_unknown_method(web: WebClient) -> None:
    assert error_of(lambda: web.api_call("reactions.add")) == "unknown_method"


def test_usergroups(slack: SlackApiSandbox, web: WebClient) -> None:
    slack.add_usergroup("S0SUPPORT", "support", ["U1", "U2"], name="Support team")
    slack.add_usergroup("S0EMPTY", "nobody", [])
    groups = web.usergroups_list(include_users=True)["usergroups"]
    support = next(g for g in groups if g["id"] == "S0SUPPORT")
    assert support["handle"] == "support" and support["users"] == ["U1", "U2"]
    assert support["user_count"] == "2" and support["is_usergroup"] is True
    assert "users" not in web.usergroups_list()["usergroups"][0]
    assert web.usergroups_users_list(usergroup="S0SUPPORT")["users"] == ["U1", "U2"]
    slack.set_members("S0SUPPORT", ["U3"])
    assert web.usergroups_users_list(usergroup="S0SUPPORT")["users"] == ["U3"]
    assert error_of(lambda: web.usergroups_users_list(usergroup="S0NOPE")) == "no_such_subteam"
    assert slack.calls("usergroups.users.list")[0].params["usergroup"] == "S0SUPPORT"


def test_missing_scope() -> None:
    with SlackApiSandbox(scopes="commands,chat:write") as slack:
        web = WebClient(token="xoxb-sandbox-token", base_url=slack.api_url)
        with pytest.raises(SlackApiError) as caught:
            web.usergroups_list()
        assert caught.value.response["error"] == "missing_scope"
        assert caught.value.response["needed"] == "usergroups:read"
        assert caught.value.response.headers["x-oauth-scopes"] == "commands,chat:write"


def test_users_info_email_needs_scope(slack: SlackApiSandbox, web: WebClient) -> None:
    slack.add_user("U0GUEST", team_id="T0OTHER", email="guest@example.org", name="guest")
    user = web.users_info(user="U0GUEST")["user"]
    assert user["team_id"] == "T0OTHER" and user["profile"]["email"] == "guest@example.org"
    assert user["is_bot"] is False
    slack.scopes = "users:read"
    assert "email" not in web.users_info(user="U0GUEST")["user"]["profile"]
    assert error_of(lambda: web.users_info(user="U0NOBODY")) == "user_not_found"


def test_conversations_info(slack: SlackApiSandbox, web: WebClient) -> None:
    slack.add_channel("C0SHARED", is_ext_shared=True, name="acme-shared")
    slack.add_channel("G0PRIVATE", is_private=True)
    channel = web.conversations_info(channel="C0SHARED")["channel"]
    assert channel["is_ext_shared"] is True and channel["name"] == "acme-shared"
    assert web.conversations_info(channel="C0SANDBOX1")["channel"]["is_ext_shared"] is False
    assert error_of(lambda: web.conversations_info(channel="C0NOPE")) == "channel_not_found"
    slack.scopes = "channels:read"
    assert error_of(lambda: web.conversations_info(channel="G0PRIVATE")) == "missing_scope"


def test_fail_injection_with_status_headers_and_times(
    slack: SlackApiSandbox, web: WebClient
) -> None:
    slack.add_usergroup("S0SUPPORT", "support", ["U1"])
    slack.fail(
        "usergroups.users.list", "ratelimited", status=429, headers={"Retry-After": "30"}, times=1
    )
    with pytest.raises(SlackApiError) as caught:
        web.usergroups_users_list(usergroup="S0SUPPORT")
    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["Retry-After"] == "30"
    assert caught.value.response["error"] == "ratelimited"
    assert web.usergroups_users_list(usergroup="S0SUPPORT")["users"] == ["U1"]
    slack.fail("auth.test", "account_inactive")
    assert error_of(web.auth_test) == "account_inactive"
    assert error_of(web.auth_test) == "account_inactive"
    slack.clear_failures()
    assert web.auth_test()["ok"] is True


def test_views_open_update_push(slack: SlackApiSandbox, web: WebClient) -> None:
    opened = web.views_open(trigger_id="1.2.abc", view=MODAL)["view"]
    assert opened["id"].startswith("V") and opened["hash"]
    updated_view = dict(
        MODAL, blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]
    )
    updated = web.views_update(view_id=opened["id"], hash=opened["hash"], view=updated_view)["view"]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    assert slack.views()[opened["id"]]["blocks"] == updated_view["blocks"]
    stale = lambda: web.views_update(view_id=opened["id"], hash=opened["hash"], view=MODAL)  # noqa: E731
    assert error_of(stale) == "hash_conflict"
    assert error_of(lambda: web.views_update(view_id="V0NOPE", view=MODAL)) == "not_found"
    pushed = web.views_push(trigger_id="1.2.def", view=MODAL)["view"]
    assert pushed["id"] in slack.views() and len(slack.views()) == 2


def test_trigger_ids_are_single_use_and_can_expire(slack: SlackApiSandbox, web: WebClient) -> None:
    web.views_open(trigger_id="111.222.aaa", view=MODAL)
    assert error_of(lambda: web.views_open(trigger_id="111.222.aaa", view=MODAL)) == (
        "exchanged_trigger_id"
    )
    assert error_of(lambda: web.views_push(trigger_id="111.222.aaa", view=MODAL)) == (
        "exchanged_trigger_id"
    )
    slack.expire_trigger("333.444.bbb")
    assert error_of(lambda: web.views_open(trigger_id="333.444.bbb", view=MODAL)) == (
        "expired_trigger_id"
    )
    slack.fail("views.open", "expired_trigger_id", times=1)
    assert error_of(lambda: web.views_open(trigger_id="555.666.ccc", view=MODAL)) == (
        "expired_trigger_id"
    )
    assert error_of(lambda: web.views_open(trigger_id="", view=MODAL)) == "invalid_trigger_id"


def test_views_are_checked_against_slack_limits(web: WebClient) -> None:
    too_many = dict(MODAL, blocks=[{"type": "divider"}] * 101)
    assert (
        error_of(lambda: web.views_open(trigger_id="1.1.a", view=too_many)) == "invalid_arguments"
    )
    long_title = dict(MODAL, title={"type": "plain_text", "text": "x" * 25})
    assert error_of(lambda: web.views_open(trigger_id="1.1.b", view=long_title)) == (
        "invalid_arguments"
    )
    fat = dict(MODAL, private_metadata="m" * 3001)
    assert error_of(lambda: web.views_open(trigger_id="1.1.c", view=fat)) == "invalid_arguments"


def test_form_encoded_view_is_decoded(slack: SlackApiSandbox, anon: httpx.Client) -> None:
    response = anon.post(
        slack.api_url + "views.open",
        data={"trigger_id": "9.9.9", "view": json.dumps(MODAL)},
        headers={"Authorization": "Bearer xoxb-sandbox-token"},
    )
    assert response.json()["ok"] is True
    assert slack.calls("views.open")[0].params["view"] == MODAL


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_chat_post_message(slack: SlackApiSandbox, web: WebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "card"}}]
    posted = web.chat_postMessage(channel="C0SANDBOX1", text="card", blocks=blocks, thread_ts="1.2")
    assert posted["channel"] == "C0SANDBOX1" and posted["ts"]
    assert posted["message"]["thread_ts"] == "1.2"
    assert slack.calls("chat.postMessage")[0].params["blocks"] == blocks
    slack.add_channel("C0OUTSIDE", is_member=False)
    assert error_of(lambda: web.chat_postMessage(channel="C0OUTSIDE", text="x")) == "not_in_channel"
    assert error_of(lambda: web.chat_postMessage(channel="C0NOPE", text="x")) == "channel_not_found"
    assert error_of(lambda: web.chat_postMessage(channel="C0SANDBOX1")) == "no_text"
    too_many = [{"type": "divider"}] * 51
    assert error_of(
        lambda: web.chat_postMessage(channel="C0SANDBOX1", text="x", blocks=too_many)
    ) == ("invalid_blocks")
    second = web.chat_postMessage(channel="C0SANDBOX1", text="again")
    assert float(second["ts"]) > float(posted["ts"])


def test_chat_post_ephemeral(slack: SlackApiSandbox, web: WebClient) -> None:
    answer = web.chat_postEphemeral(channel="C0SANDBOX1", user="U0SANDBOX1", text="only you")
    assert answer["message_ts"]
    assert error_of(lambda: web.chat_postEphemeral(channel="C0NOPE", user="U1", text="x")) == (
        "channel_not_found"
    )


def test_wait_for_calls_across_threads(slack: SlackApiSandbox, web: WebClient) -> None:
    timer = threading.Timer(0.1, web.auth_test)
    timer.start()
    calls = slack.wait_for_calls("auth.test", count=1, timeout=5)
    assert len(calls) == 1
    with pytest.raises(TimeoutError):
        slack.wait_for_calls("auth.test", count=2, timeout=0.1)
    timer.join()


def test_response_urls(slack: SlackApiSandbox) -> None:
    url = slack.new_response_url()
    other = slack.new_response_url()
    assert url != other and url.startswith("http://127.0.0.1:") and "/response/" in url
    hook = WebhookClient(url)
    for number in range(5):
        assert (
            hook.send_dict({"text": f"reply {number}", "response_type": "ephemeral"}).status_code
            == 200
        )
    used_up = hook.send_dict({"text": "one too many"})
    assert used_up.status_code == 404 and used_up.body == "used_up"
    assert [body["text"] for body in slack.responses(url)] == [f"reply {n}" for n in range(5)]
    assert slack.responses(other) == []
    assert len(slack.responses()) == 5


def test_response_url_failure_and_bad_payloads(slack: SlackApiSandbox, anon: httpx.Client) -> None:
    url = slack.new_response_url()
    assert anon.post(url, content=b"not json").status_code == 400
    too_many = {"blocks": [{"type": "divider"}] * 51}
    assert anon.post(url, json=too_many).text == "invalid_blocks"
    slack.fail_response_url(url)
    expired = anon.post(url, json={"text": "late"})
    assert expired.status_code == 404 and expired.text == "expired_url"
    gone = anon.post(url.rsplit("/", 1)[0] + "/unknown", json={"text": "x"})
    assert gone.status_code == 404
    assert slack.responses(url) == []


def test_wait_for_responses(slack: SlackApiSandbox, anon: httpx.Client) -> None:
    url = slack.new_response_url()
    timer = threading.Timer(0.1, lambda: anon.post(url, json={"replace_original": True}))
    timer.start()
    assert slack.wait_for_responses(url, count=1, timeout=5) == [{"replace_original": True}]
    with pytest.raises(TimeoutError):
        slack.wait_for_responses(url, count=2, timeout=0.1)
    timer.join()
