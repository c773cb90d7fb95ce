"""The batch TTS state machine's definition: what it calls, where every error goes, and moto accepts it."""

from __future__ import annotations

import json
import uuid

from voiceclone.workflows import definitions as d

from .test_definitions import _substitutions, _tasks

BATCH = d.tts_batch_definition()


def test_the_batch_calls_its_steps_the_remote_item_step_and_the_synth_queue():
    assert d.placeholders(BATCH) == {d.BATCH_STEPS_FUNCTION, d.BATCH_REMOTE_ITEM_FUNCTION, d.SYNTH_QUEUE_URL}
    steps = [task["Parameters"]["step"] for task in _tasks(BATCH["States"]).values()
             if task["Resource"] == "${" + d.BATCH_STEPS_FUNCTION + "}"]
    assert sorted(steps) == ["fail", "finish", "start"]


def test_a_groups_or_an_items_error_is_kept_for_finish_and_every_other_error_reaches_fail():
    states = BATCH["States"]
    for name in ("MarkProcessing", "SpeakGroups", "FinishBatch"):
        assert states[name]["Catch"] == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "FailBatch"}]
    group = states["SpeakGroups"]["ItemProcessor"]["States"]
    assert group["SpeakGroup"]["Catch"][0]["Next"] == "GroupDone"
    assert group["SpeakRemoteItems"]["Catch"][0]["Next"] == "GroupDone"
    item = group["SpeakRemoteItems"]["ItemProcessor"]["States"]
    assert item["RemoteItem"]["Catch"][0]["Next"] == "RemoteItemFailed"
    assert "Catch" not in states["FailBatch"] and states["FailBatch"]["Next"] == "Failed"
    assert states["BatchFailed"]["Type"] == states["Failed"]["Type"] == "Fail"
    transient = set(d.TRANSIENT_LAMBDA_ERRORS) | set(d.TRANSIENT_SQS_ERRORS) | set(d.THROTTLED_LAMBDA_ERRORS)
    for name, task in _tasks(states).items():
        for retry in task.get("Retry", []):
            assert set(retry["ErrorEquals"]) <= transient, name


def test_groups_and_remote_items_run_a_bounded_number_at_once_and_the_message_carries_no_text():
    groups = BATCH["States"]["SpeakGroups"]
    assert 1 <= groups["MaxConcurrency"] <= 10
    remote = groups["ItemProcessor"]["States"]["SpeakRemoteItems"]
    assert 1 <= remote["MaxConcurrency"] <= 10
    speak = groups["ItemProcessor"]["States"]["SpeakGroup"]
    body = speak["Parameters"]["MessageBody"]
    assert body["kind"] == "synthesize_batch" and body["payload.$"] == "$.group.payload"
    assert 0 < speak["HeartbeatSeconds"] < speak["TimeoutSeconds"]


def test_moto_accepts_the_rendered_batch_definition(aws):
    sfn = aws.client("stepfunctions")
    created = sfn.create_state_machine(
        name=f"check-batch-{uuid.uuid4().hex[:8]}",
        definition=json.dumps(d.render(BATCH, _substitutions())),
        roleArn="arn:aws:iam::123456789012:role/voiceclone-sfn",
    )
    described = sfn.describe_state_machine(stateMachineArn=created["stateMachineArn"])
    assert json.loads(described["definition"])["StartAt"] == "MarkProcessing"
