"""Workflow steps in the Slack sandbox (bot/sandbox/slack_functions.py), driven by slack_sdk's
real WebClient: function_executed payloads, the execution token, completeSuccess/completeError
and the distribution methods, with the shapes and error codes Slack documents."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox import SlackApiSandbox
from tests.support.step_manifest import STEP, declare_step

SET = "functions.distributions.permissions.set"
APP = "A0SANDBOXAPP"


@pytest.fixture
def web(slack: SlackApiSandbox) -> WebClient:
    declare_step(slack)
    return WebClient(token="xoxb-sandbox-token", base_url=slack.api_url)


def error_of(call) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(SlackApiError) as caught:
        call()
    return str(caught.value.response["error"])


def test_a_run_is_a_function_executed_event_with_its_own_token(
    slack: SlackApiSandbox, web: WebClient
) -> None:
    payload = slack.start_function(STEP, {"identifier": "jane@example.com"})
    assert payload["type"] == "event_callback" and payload["event_id"].startswith("Ev")
    event = payload["event"]
    assert event["type"] == "function_executed"
    assert event["function"]["callback_id"] == STEP and event["function"]["app_id"] == APP
    assert event["function_execution_id"].startswith("Fx")
    assert event["workflow_execution_id"].startswith("Wx")
    inputs = {p["name"]: p for p in event["function"]["input_parameters"]}
    assert inputs["requested_by"] == {
        "type": "slack#/types/user_id",
        "name": "requested_by",
        "description": inputs["requested_by"]["description"],
        "title": "Requested by",
        "is_required": True,
    }
    outputs = [p["name"] for p in event["function"]["output_parameters"]]
    assert outputs[0] == "found" and "summary" in outputs
    # The execution's token works for Web API calls, as Bolt uses it for complete/fail.
    run_client = WebClient(token=event["bot_access_token"], base_url=slack.api_url)
    run_client.functions_completeError(
        function_execution_id=event["function_execution_id"], error="no"
    )
    assert slack.execution(event["function_execution_id"])["state"] == "failed"


def test_complete_success_validates_outputs_and_runs_end_once(
    slack: SlackApiSandbox, web: WebClient
) -> None:
    event = slack.start_function(STEP, {})["event"]
    execution = event["function_execution_id"]
    assert (
        error_of(
            lambda: web.functions_completeSuccess(
                function_execution_id=execution, outputs={"name": "Jane"}
            )
        )
        == "parameter_validation_failed"
    )  # fmt: skip  (found is required)
    assert (
        error_of(
            lambda: web.functions_completeSuccess(
                function_execution_id=execution, outputs={"found": "yes"}
            )
        )
        == "parameter_validation_failed"
    )  # fmt: skip  (found is a boolean)
    assert (
        error_of(
            lambda: web.functions_completeSuccess(
                function_execution_id=execution, outputs={"found": True, "secret": "x"}
            )
        )
        == "parameter_validation_failed"
    )  # fmt: skip  (not declared)
    web.functions_completeSuccess(function_execution_id=execution, outputs={"found": False})
    assert slack.execution(execution)["outputs"] == {"found": False}
    assert error_of(lambda: web.functions_completeError(
        function_execution_id=execution, error="late"
    )) == "execution_not_in_running_state"  # fmt: skip
    assert error_of(lambda: web.functions_completeError(
        function_execution_id="FxNOPE", error="x"
    )) == "function_execution_not_found"  # fmt: skip
    # slack_sdk sends outputs as a JSON string; the sandbox records them decoded.
    assert slack.calls("functions.completeSuccess")[-1].params["outputs"] == {"found": False}


def test_distribution_set_add_remove_list(slack: SlackApiSandbox, web: WebClient) -> None:
    slack.add_user("U0TWO", name="two")
    target = {"function_callback_id": STEP, "function_app_id": APP}
    listed = web.api_call("functions.distributions.permissions.list", params=target)
    assert listed["permission_type"] == "app_collaborators"  # a new step, before any set
    answer = web.api_call(
        SET, json={**target, "permission_type": "named_entities", "user_ids": ["U0SANDBOX1"]}
    )
    assert answer["permission_type"] == "named_entities"
    assert [u["user_id"] for u in answer["users"]] == ["U0SANDBOX1"]
    assert set(answer["users"][0]) == {"user_id", "username", "email"}
    web.api_call("functions.distributions.permissions.add", json={**target, "user_ids": ["U0TWO"]})
    web.api_call(
        "functions.distributions.permissions.remove", json={**target, "user_ids": ["U0SANDBOX1"]}
    )
    assert slack.distribution(STEP) == {"permission_type": "named_entities", "users": ["U0TWO"]}
    web.api_call(SET, json={**target, "permission_type": "everyone"})
    assert error_of(lambda: web.api_call(
        "functions.distributions.permissions.add", json={**target, "user_ids": ["U0TWO"]}
    )) == "invalid_permission_type"  # fmt: skip


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({"function_callback_id": STEP}, "function_not_found"),  # no app id
        ({"function_callback_id": "nope", "function_app_id": APP}, "function_not_found"),
        ({"function_callback_id": STEP, "function_app_id": "A0OTHER"}, "app_not_found"),
        ({"function_callback_id": STEP, "function_app_id": APP}, "permission_type_required"),
        (
            {"function_callback_id": STEP, "function_app_id": APP, "permission_type": "all"},
            "invalid_permission_type",
        ),
        (
            {
                "function_callback_id": STEP,
                "function_app_id": APP,
                "permission_type": "named_entities",
            },
            "invalid_named_entities",
        ),
        (
            {
                "function_callback_id": STEP,
                "function_app_id": APP,
                "permission_type": "named_entities",
                "user_ids": ["U0NOBODY"],
            },
            "user_not_found",
        ),
    ],
)
def test_distribution_errors(
    slack: SlackApiSandbox, web: WebClient, arguments: dict[str, object], code: str
) -> None:
    assert error_of(lambda: web.api_call(SET, json=arguments)) == code


def test_a_plan_without_steps_refuses_every_distribution_call(
    slack: SlackApiSandbox, web: WebClient
) -> None:
    slack.refuse_steps("plan_upgrade_required")
    target = {"function_callback_id": STEP, "function_app_id": APP, "permission_type": "everyone"}
    assert error_of(lambda: web.api_call(SET, json=target)) == "plan_upgrade_required"
    assert slack.distribution(STEP)["permission_type"] == "app_collaborators"


def test_bots_info_names_the_app(slack: SlackApiSandbox, web: WebClient) -> None:
    bot_id = web.auth_test()["bot_id"]
    assert web.bots_info(bot=bot_id)["bot"]["app_id"] == APP
    assert error_of(lambda: web.bots_info(bot="B0NOPE")) == "bot_not_found"
