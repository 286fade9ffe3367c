"""deliver_privately against the Slack sandbox over loopback: the response_url first, then
chat.postEphemeral to the person, never a public post."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.sandbox.slack_api import SlackApiSandbox
from bot.slack import cards
from bot.slack.delivery import VIA_EPHEMERAL, VIA_RESPONSE_URL, deliver_privately

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
