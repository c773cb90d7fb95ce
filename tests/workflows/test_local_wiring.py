"""The local run's workflow wiring: state machines from the definitions, orphaned jobs of a previous
run failed at start, the periodic sweeper, moto's SendTaskFailure passing the cause."""

from __future__ import annotations

import json
import time

from voiceclone.domain.jobs import JobStatus
from voiceclone.local.moto_patches import install_moto_fixes
from voiceclone.workflows import definitions as d
from voiceclone.workflows import local

from .records import month_characters, ready_voice, tts_job

USER = "alice"


def test_setup_local_creates_both_machines_and_fails_jobs_a_previous_run_left(workflow_stack, harness):
    voice = ready_voice(harness.store, USER)
    orphan = tts_job(harness.store, USER, voice, "Left behind")
    harness.store.tts.transition(USER, orphan.job_id, JobStatus.PROCESSING)
    # an execution the (restarted) moto does not know
    harness.store.tts.set_execution_arn(USER, orphan.job_id, "arn:aws:states:us-east-1:123456789012:execution:gone:x")
    untouched = tts_job(harness.store, USER, voice, "Still pending")
    harness.store.tts.set_execution_arn(USER, untouched.job_id, "")

    workflows = local.setup_local(workflow_stack, start_workers=False, sweep_interval_s=0.2)

    sfn = harness.sfn()
    for arn, expected in ((workflows.training_state_machine_arn, d.training_definition()),
                          (workflows.tts_state_machine_arn, d.tts_definition())):
        definition = json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"])
        assert definition == d.render(expected, workflows.substitutions)
    assert harness.settings.tts_state_machine_arn == workflows.tts_state_machine_arn
    failed = harness.store.tts.get(USER, orphan.job_id)
    assert failed.status == JobStatus.FAILED and failed.error_message == local.ORPHANED_MESSAGE
    # a job without any execution counts as orphaned too (its start never happened in this run)
    assert harness.store.tts.get(USER, untouched.job_id).status == JobStatus.FAILED
    assert month_characters(harness.store, USER) == 0


def test_the_periodic_sweeper_runs_until_stopped():
    ticks = []
    sweeper = local.PeriodicSweeper(lambda: ticks.append(time.monotonic()), interval_s=0.05).start()
    time.sleep(0.4)
    sweeper.stop()
    count = len(ticks)
    time.sleep(0.2)
    assert count >= 3 and len(ticks) == count


def test_send_task_failure_reaches_the_execution_with_its_cause(workflow_stack, harness, aws):
    install_moto_fixes()  # the local moto server installs it at start; idempotent
    sqs, sfn = aws.client("sqs"), harness.sfn()
    queue = harness.settings.synth_queue_url
    machine = sfn.create_state_machine(name=f"cause-{workflow_stack.suffix}", roleArn="arn:aws:iam::123456789012:role/r",
                                       definition=json.dumps({"StartAt": "W", "States": {"W": {
                                           "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                                           "Parameters": {"QueueUrl": queue, "MessageBody": {"t.$": "$$.Task.Token"}},
                                           "End": True}}}))["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    for _ in range(50):
        messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages")
        if messages:
            break
    token = json.loads(messages[0]["Body"])["t"]
    sfn.send_task_failure(taskToken=token, error="BadInput", cause="no usable clip in the samples")
    described = harness.wait_execution(execution, timeout_s=20)
    assert described["status"] == "FAILED"
    assert described["error"] == "BadInput" and described["cause"] == "no usable clip in the samples"


def test_a_callback_answered_before_its_heartbeat_endpoint_exists_is_not_lost():
    """The race moto 5.2.5 has: the worker answers the token before the task sets up its heartbeat."""
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackEndpoint, CallbackOutcomeFailure

    install_moto_fixes()
    endpoint = CallbackEndpoint(callback_id="token")
    endpoint.notify(CallbackOutcomeFailure(callback_id="token", error="BadJobMessage", cause="refused at once"))
    heartbeat = endpoint.setup_heartbeat_endpoint(heartbeat_seconds=1)
    assert heartbeat.clear_and_wait() is True  # without the fix: False, after the heartbeat second
    assert endpoint.get_outcome().error == "BadJobMessage"
