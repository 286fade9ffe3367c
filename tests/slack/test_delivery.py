"""deliver_privately against the Slack sandbox over loopback: the response_url first, then
chat.postEphemeral to the person, never a public post."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.sandbox.slack_api import SlackApiSandbox
from bot.slack import cards
from bot.slack.delivery import VIA_EPHEMERAL, VIA_RESPONSE_URL, deliver_privately, respond
from bot.slack.delivery.response_urls import allowed_response_url

TOKEN = "xoxb-delivery-test"
CHANNEL = "C0DELIVERY"
USER = "U0DELIVERY"


@pytest.fixture
def slack() -> Iterator[SlackApiSandbox]:
    with SlackApiSandbox(bot_token=TOKEN) as slack_api:
        slack_api.add_channel(CHANNEL, name="support")
        slack_api.add_user(USER, name="agent")
        yield slack_api


@pytest.fixture
def web(slack: SlackApiSandbox) -> WebClient:
    return WebClient(token=TOKEN, base_url=slack.api_url, timeout=5)


MESSAGE = cards.build_notice_message("The card")


def test_a_working_response_url_is_all_it_takes(slack: SlackApiSandbox, web: WebClient) -> None:
    url = slack.new_response_url()
    delivery = deliver_privately(
        web, url, MESSAGE, replace_original=True, channel_id=CHANNEL, user_id=USER
    )
    assert delivery.via == VIA_RESPONSE_URL and delivery.errors == ()
    [body] = slack.responses(url)
    assert body["response_type"] == "ephemeral" and body["replace_original"] is True
    assert slack.calls("chat.postEphemeral") == []


def test_a_dead_response_url_falls_back_to_an_ephemeral_in_the_thread(
    slack: SlackApiSandbox, web: WebClient
) -> None:
    url = slack.new_response_url()
    slack.fail_response_url(url, 404, "used_up")
    delivery = deliver_privately(
        web,
        url,
        MESSAGE,
        replace_original=True,
        channel_id=CHANNEL,
        user_id=USER,
        thread_ts="1700000000.000100",
    )
    assert delivery.via == VIA_EPHEMERAL and delivery.errors == ("used_up",)
    [post] = slack.calls("chat.postEphemeral")
    assert post.params["channel"] == CHANNEL and post.params["user"] == USER
    assert post.params["thread_ts"] == "1700000000.000100"
    assert post.params["text"] == MESSAGE["text"] and post.params["blocks"] == MESSAGE["blocks"]
    # Only Slack's message fields: no response_url options leak into the Web API call.
    assert "response_type" not in post.params and "replace_original" not in post.params
    assert slack.calls("chat.postMessage") == []


def test_no_response_url_or_no_channel(slack: SlackApiSandbox, web: WebClient) -> None:
    delivery = deliver_privately(
        web, None, MESSAGE, replace_original=False, channel_id=CHANNEL, user_id=USER
    )
    assert delivery.via == VIA_EPHEMERAL and delivery.errors == ("no_response_url",)
    url = slack.new_response_url()
    slack.fail_response_url(url, 404, "expired_url")
    delivery = deliver_privately(
        web, url, MESSAGE, replace_original=True, channel_id=None, user_id=USER
    )
    assert delivery.via is None and delivery.errors == ("expired_url", "no_channel")
    assert len(slack.calls("chat.postEphemeral")) == 1  # the first call only


def test_both_refused(slack: SlackApiSandbox, web: WebClient) -> None:
    url = slack.new_response_url()
    slack.fail_response_url(url, 404, "expired_url")
    slack.fail("chat.postEphemeral", "user_not_in_channel")
    delivery = deliver_privately(
        web, url, MESSAGE, replace_original=True, channel_id=CHANNEL, user_id=USER
    )
    assert delivery.via is None and delivery.errors == ("expired_url", "user_not_in_channel")
    slack.clear_failures()
    delivery = deliver_privately(
        web, url, MESSAGE, replace_original=True, channel_id="C0UNKNOWN", user_id=USER
    )
    assert delivery.via is None and delivery.errors == ("expired_url", "channel_not_found")


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://hooks.slack.com/commands/T1/2/abc", True),
        ("https://HOOKS.SLACK.COM/actions/T1/2/abc", True),
        ("https://hooks.slack-gov.com/commands/T1/2/abc", True),  # assumed; see response_urls
        ("http://hooks.slack.com/commands/T1/2/abc", False),  # not https
        ("https://hooks.slack.com:8443/commands/T1/2/abc", False),
        ("https://hooks.slack.com.evil.example/commands/T1", False),
        ("https://evil.example@hooks.slack.com/commands/T1", False),  # userinfo
        ("https://hooks.slack.com@evil.example/commands/T1", False),
        ("https://evil.example/commands/T1/2/abc", False),
        ("https://slack.com/api/chat.postMessage", True),  # SLACK_API_URL's origin
        ("https://slack.com:444/x", False),
        ("javascript:alert(1)", False),
        ("", False),
        ("https://[::1/x", False),  # unparsable
    ],
)
def test_response_url_hosts(url: str, allowed: bool) -> None:
    assert allowed_response_url(url, "https://slack.com/api/") is allowed


def test_a_refused_response_url_is_not_contacted_and_falls_back(
    slack: SlackApiSandbox, web: WebClient
) -> None:
    with SlackApiSandbox(bot_token=TOKEN) as elsewhere:  # another origin: another port
        url = elsewhere.new_response_url()
        delivery = deliver_privately(
            web, url, MESSAGE, replace_original=True, channel_id=CHANNEL, user_id=USER
        )
        assert delivery.via == VIA_EPHEMERAL and delivery.errors == ("untrusted_response_url",)
        assert elsewhere.responses() == []
        assert respond(web, url, MESSAGE, replace_original=False) is False
        assert elsewhere.responses() == []


def test_a_redirect_is_answered_not_followed(slack: SlackApiSandbox, web: WebClient) -> None:
    with SlackApiSandbox(bot_token=TOKEN) as elsewhere:
        target = elsewhere.new_response_url()
        for status in (301, 302, 303, 307, 308):
            url = slack.new_response_url()
            slack.fail_response_url(url, status, "", headers={"Location": target})
            delivery = deliver_privately(
                web, url, MESSAGE, replace_original=True, channel_id=CHANNEL, user_id=USER
            )
            assert delivery.via == VIA_EPHEMERAL and delivery.errors == (f"http_{status}",)
        assert elsewhere.responses() == [] and elsewhere.calls() == []


def test_an_unreachable_allowed_response_url_falls_back(slack: SlackApiSandbox) -> None:
    with socket.socket() as closed:  # a port with no server behind it
        closed.bind(("127.0.0.1", 0))
        origin = f"http://127.0.0.1:{closed.getsockname()[1]}"
    # The response_url is on the API's origin (allowed) but nobody listens there.
    dead = WebClient(token=TOKEN, base_url=origin + "/api/", timeout=2)
    delivery = deliver_privately(
        dead,
        origin + "/response/x",
        MESSAGE,
        replace_original=True,
        channel_id=CHANNEL,
        user_id=USER,
    )
    assert delivery.via is None and delivery.errors[0] == "connection_error"


def test_loopback_names_are_one_origin() -> None:
    api = "http://localhost:8123/api/"
    assert allowed_response_url("http://127.0.0.1:8123/response/x", api)
    assert allowed_response_url("http://[::1]:8123/response/x", api)
    assert not allowed_response_url("http://127.0.0.1:8124/response/x", api)
    assert not allowed_response_url("http://10.0.0.1:8123/response/x", api)
