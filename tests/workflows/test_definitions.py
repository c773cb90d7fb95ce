"""The state-machine definitions: placeholders, rendering, error handling on every state, and moto accepts them."""

from __future__ import annotations

import json
import uuid

import pytest

from voiceclone.workflows import definitions as d

DEFINITIONS = {"training": d.training_definition(), "tts": d.tts_definition()}


def _tasks(states: dict) -> dict[str, dict]:
    """Every Task state, Map item processors included."""
    found = {}
    for name, state in states.items():
        if state["Type"] == "Task":
            found[name] = state
        if state["Type"] == "Map":
            found.update(_tasks(state["ItemProcessor"]["States"]))
    return found


def _substitutions() -> dict[str, str]:
    values = {name: f"arn:aws:lambda:us-east-1:123456789012:function:{name}" for name in d.LAMBDA_HANDLERS}
    values.update({name: f"https://sqs.us-east-1.amazonaws.com/123456789012/{q}" for name, q in d.QUEUES.items()})
    return values


def test_placeholders_are_exactly_the_known_functions_and_queues():
    assert d.placeholders(DEFINITIONS["training"]) == {
        d.MARK_PROCESSING_FUNCTION, d.ENHANCE_SAMPLE_FUNCTION, d.REGISTER_VOICE_FUNCTION,
        d.REMOTE_CLONE_FUNCTION, d.FAIL_JOB_FUNCTION, d.TRAIN_QUEUE_URL,
    }
    assert d.placeholders(DEFINITIONS["tts"]) == {
        d.MARK_PROCESSING_FUNCTION, d.FINALIZE_TTS_FUNCTION, d.REMOTE_SYNTHESIZE_FUNCTION,
        d.FAIL_JOB_FUNCTION, d.SYNTH_QUEUE_URL,
    }
    every = [*DEFINITIONS.values(), d.tts_batch_definition()]  # the batch one: test_batch_definition.py
    assert set(d.LAMBDA_HANDLERS) | set(d.QUEUES) == set().union(*map(d.placeholders, every))


def test_render_fills_every_placeholder_and_leaves_the_source_untouched():
    source = d.training_definition()
    rendered = d.render(source, _substitutions())
    assert d.placeholders(rendered) == set()
    assert rendered["States"]["MarkProcessing"]["Resource"].endswith(":function:MarkProcessingFunctionArn")
    assert rendered["States"]["Train"]["Parameters"]["QueueUrl"].endswith("/train")
    assert source == d.training_definition()


def test_render_names_a_missing_substitution():
    values = _substitutions()
    del values[d.TRAIN_QUEUE_URL]
    with pytest.raises(KeyError, match=d.TRAIN_QUEUE_URL):
        d.render(d.training_definition(), values)


@pytest.mark.parametrize("kind", DEFINITIONS)
def test_every_error_reaches_fail_job_and_only_transient_errors_retry(kind):
    states = DEFINITIONS[kind]["States"]
    for name, state in states.items():
        if state["Type"] in ("Task", "Map") and name != "FailJob":
            assert state["Catch"] == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "FailJob"}], name
    transient = set(d.TRANSIENT_LAMBDA_ERRORS) | set(d.TRANSIENT_SQS_ERRORS) | set(d.THROTTLED_LAMBDA_ERRORS)
    for name, task in _tasks(states).items():
        for retry in task.get("Retry", []):
            assert set(retry["ErrorEquals"]) <= transient, name
            assert "States.ALL" not in retry["ErrorEquals"] and "States.Timeout" not in retry["ErrorEquals"]
    assert states["FailJob"]["Next"] == "Failed" and "Catch" not in states["FailJob"]
    assert states["Failed"]["Type"] == "Fail" and not states["Failed"]["Error"].startswith("States.")


@pytest.mark.parametrize("kind", DEFINITIONS)
def test_lambda_tasks_wait_longer_for_a_throttled_function_than_for_a_blip(kind):
    lambda_tasks = [t for t in _tasks(DEFINITIONS[kind]["States"]).values() if "sqs:" not in t["Resource"]]
    assert lambda_tasks
    for task in lambda_tasks:
        throttled, blip = task["Retry"][0], task["Retry"][1]
        assert throttled["ErrorEquals"] == ["Lambda.TooManyRequestsException"]
        assert throttled["MaxAttempts"] > blip["MaxAttempts"] and throttled["MaxDelaySeconds"] >= 60
        assert "Lambda.TooManyRequestsException" not in blip["ErrorEquals"]


@pytest.mark.parametrize("kind", DEFINITIONS)
def test_gpu_tasks_wait_for_the_task_token_with_heartbeat_and_timeout(kind):
    gpu = [s for s in _tasks(DEFINITIONS[kind]["States"]).values() if "sqs:sendMessage" in s["Resource"]]
    assert len(gpu) == 1
    task = gpu[0]
    assert task["Resource"].endswith(".waitForTaskToken")
    assert task["Parameters"]["MessageBody"]["task_token.$"] == "$$.Task.Token"
    assert 0 < task["HeartbeatSeconds"] < task["TimeoutSeconds"]


def test_training_map_has_bounded_concurrency():
    prepare = DEFINITIONS["training"]["States"]["PrepareSamples"]
    assert prepare["Type"] == "Map" and 1 <= prepare["MaxConcurrency"] <= 10


@pytest.mark.parametrize("kind", DEFINITIONS)
def test_moto_accepts_the_rendered_definition(aws, kind):
    sfn = aws.client("stepfunctions")
    created = sfn.create_state_machine(
        name=f"check-{kind}-{uuid.uuid4().hex[:8]}",
        definition=json.dumps(d.render(DEFINITIONS[kind], _substitutions())),
        roleArn="arn:aws:iam::123456789012:role/voiceclone-sfn",
    )
    described = sfn.describe_state_machine(stateMachineArn=created["stateMachineArn"])
    assert json.loads(described["definition"])["StartAt"] == "MarkProcessing"
