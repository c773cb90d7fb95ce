"""Step Functions Lambda tasks run the registered Python handlers in this process (moto, no Docker)."""

import json
import time
import uuid

import pytest

from tests.integration.local import handlers
from voiceclone.local import lambdas


def unique(name):
    return f"{name}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def functions(aws):
    lambdas.install_dispatch()
    names = {"echo": unique("echo"), "fail": unique("fail"), "flaky": unique("flaky")}
    for short, name in names.items():
        lambdas.register(name, f"tests.integration.local.handlers:{short}")
    arns = lambdas.create_functions(aws.client("lambda"), aws.client("iam"))
    handlers.calls.clear()
    return {short: arns[name] for short, name in names.items()}


def run_state_machine(aws, definition, execution_input):
    sfn = aws.client("stepfunctions")
    arn = sfn.create_state_machine(
        name=unique("machine"), definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/sfn"
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(execution_input))["executionArn"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        described = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.05)
    raise AssertionError("execution still running after 30 s")


def test_direct_invoke_calls_the_handler_in_process(aws, functions):
    response = aws.client("lambda").invoke(FunctionName=functions["echo"], Payload=json.dumps({"n": 1}))
    payload = json.loads(response["Payload"].read())
    assert "FunctionError" not in response
    assert payload["seen"] == {"n": 1}
    assert payload["remaining_ms"] > 0
    assert handlers.calls == [{"n": 1}]


def test_state_machine_task_gets_the_handlers_result(aws, functions):
    definition = {
        "StartAt": "Echo",
        "States": {"Echo": {"Type": "Task", "Resource": functions["echo"], "End": True}},
    }
    described = run_state_machine(aws, definition, {"job_id": "trn_1"})
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"])["seen"] == {"job_id": "trn_1"}


def test_handler_exception_is_caught_by_its_class_name(aws, functions):
    definition = {
        "StartAt": "Fail",
        "States": {
            "Fail": {
                "Type": "Task",
                "Resource": functions["fail"],
                "Catch": [{"ErrorEquals": ["ValueError"], "ResultPath": "$.error", "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Pass", "End": True},
        },
    }
    described = run_state_machine(aws, definition, {"value": "x"})
    assert described["status"] == "SUCCEEDED"
    error = json.loads(described["output"])["error"]
    assert error["Error"] == "ValueError"
    assert "cannot handle 'x'" in json.loads(error["Cause"])["errorMessage"]


def test_retry_on_a_named_error(aws, functions):
    definition = {
        "StartAt": "Flaky",
        "States": {
            "Flaky": {
                "Type": "Task",
                "Resource": functions["flaky"],
                "Retry": [{"ErrorEquals": ["TransientFailure"], "IntervalSeconds": 1, "MaxAttempts": 2}],
                "End": True,
            }
        },
    }
    described = run_state_machine(aws, definition, {"flaky": True})
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"attempts": 2}


def test_unregistered_name_is_a_clear_error():
    with pytest.raises(lambdas.UnknownLocalFunction, match="nobody-registered-this"):
        lambdas.invoke("nobody-registered-this", {})


def test_handler_path_must_name_a_function():
    with pytest.raises(ValueError, match="package.module:function"):
        lambdas.register("bad", "module.without.function")
