"""The TTS state machine run by moto's interpreter: real orchestration Lambdas, the real synth worker
on the tiny XTTS, SecantusDB, S3 and SQS. Jobs are started as the API starts them (services.tts)."""

from __future__ import annotations

import io

import pymongo.errors
import pytest
import soundfile

from functions.orchestration import finalize_tts as finalize_handler
from voiceclone.domain.jobs import JobStatus
from voiceclone.services import tts as tts_service
from voiceclone.workflows import local

from .records import job_dict, month_characters, ready_voice

USER = "alice"
TEXT = "Hello there. This voice was cloned from real speech."


@pytest.fixture
def voice(harness, aws, instant_voice_files):
    settings = harness.settings
    s3 = aws.client("s3")
    placeholder = ready_voice(harness.store, USER)
    keys = {}
    for name, path in instant_voice_files.items():
        keys[name] = f"voices/{USER}/{placeholder.voice_id}/{path.name}"
        s3.upload_file(str(path), settings.models_bucket, keys[name])
    harness.store.voices.collection.update_one({"_id": placeholder.voice_id}, {"$set": {"artifact_keys": keys}})
    return harness.store.voices.get(USER, placeholder.voice_id)


def generate(harness, voice_id: str, text: str = TEXT, fmt: str = "mp3") -> dict:
    request = tts_service.GenerateRequest(text=text, voice_model_id=voice_id, output_format=fmt)
    return job_dict(harness.store.tts, tts_service.generate(harness.store, harness.settings, USER, request))


def lambda_calls(harness, execution_arn: str, function: str) -> int:
    return sum(
        1 for event in harness.history(execution_arn)
        if event["type"] == "LambdaFunctionScheduled"
        and function in event["lambdaFunctionScheduledEventDetails"]["resource"]
    )


def test_tts_job_completes_with_decodable_audio_and_is_charged_once(harness, workers, voice, aws):
    workers.start("synthesize")
    job = generate(harness, voice.voice_id)
    described = harness.wait_execution(job["execution_arn"])
    assert described["status"] == "SUCCEEDED", described
    done = harness.store.tts.get(USER, job["job_id"])
    assert done.status == JobStatus.COMPLETED and done.stage == "completed" and done.progress == 1.0
    assert done.output_key == f"tts/{USER}/{job['job_id']}.mp3"
    body = aws.client("s3").get_object(Bucket=harness.settings.outputs_bucket, Key=done.output_key)["Body"].read()
    audio, rate = soundfile.read(io.BytesIO(body))
    assert rate == 24000 and abs(len(audio) / rate - done.actual_duration_s) < 0.1
    assert done.actual_cost_usd > 0
    assert month_characters(harness.store, USER) == len(TEXT)
    # finalize-tts delivered again (Step Functions retries are at-least-once): still charged once
    result = {"output_key": done.output_key, "output_format": "mp3", "duration_s": done.actual_duration_s,
              "sample_rate": 24000, "size_bytes": len(body)}
    again = finalize_handler.lambda_handler({"kind": "tts", "job_id": done.job_id, "user_id": USER, "result": result}, None)
    assert again["charged_now"] is False and month_characters(harness.store, USER) == len(TEXT)


def test_a_lambda_failing_transiently_once_is_retried_and_the_job_completes(harness, workers, voice, monkeypatch):
    real = finalize_handler.finalize_tts
    calls = []

    def crash_after_writing_once(*args, **kwargs):
        answer = real(*args, **kwargs)  # the write happened; then the connection drops
        calls.append(answer)
        if len(calls) == 1:
            raise pymongo.errors.AutoReconnect("connection reset by peer")
        return answer

    monkeypatch.setattr(finalize_handler, "finalize_tts", crash_after_writing_once)
    workers.start("synthesize")
    job = generate(harness, voice.voice_id, fmt="wav")
    described = harness.wait_execution(job["execution_arn"])
    assert described["status"] == "SUCCEEDED", described
    assert lambda_calls(harness, job["execution_arn"], "finalize-tts") == 2
    assert harness.store.tts.get(USER, job["job_id"]).status == JobStatus.COMPLETED
    assert month_characters(harness.store, USER) == len(TEXT)


def test_a_worker_error_fails_the_job_with_the_workers_message_and_refunds(harness, workers, voice):
    harness.store.voices.collection.update_one(
        {"_id": voice.voice_id}, {"$set": {"artifact_keys": {"conditioning": f"voices/{USER}/gone/conditioning.pt"}}}
    )
    workers.start("synthesize")
    job = generate(harness, voice.voice_id)
    described = harness.wait_execution(job["execution_arn"])
    assert described["status"] == "FAILED" and described["error"] == "TtsJobFailed"
    failed = harness.store.tts.get(USER, job["job_id"])
    assert failed.status == JobStatus.FAILED
    # the worker's own words (SendTaskFailure cause) in plain language, no raw botocore text
    assert "model files are missing" in failed.error_message, failed.error_message
    assert "ClientError" not in failed.error_message and "HeadObject" not in failed.error_message
    assert described["cause"] == failed.error_message
    assert month_characters(harness.store, USER) == 0


def test_a_remote_engine_without_a_key_fails_clearly_as_not_available(harness):
    voice = ready_voice(harness.store, USER, model_type="elevenlabs")
    job = generate(harness, voice.voice_id)
    described = harness.wait_execution(job["execution_arn"])
    assert described["status"] == "FAILED"
    failed = harness.store.tts.get(USER, job["job_id"])
    assert failed.status == JobStatus.FAILED
    assert failed.error_message == "engine not available: 'elevenlabs' has no API key configured"
    assert month_characters(harness.store, USER) == 0


def test_no_worker_within_the_heartbeat_fails_the_job_as_timed_out(harness, voice, workflow_stack):
    local.deploy(workflow_stack, synth_heartbeat_s=2)  # no worker runs in this test
    job = generate(harness, voice.voice_id)
    described = harness.wait_execution(job["execution_arn"], timeout_s=30)
    assert described["status"] == "FAILED"
    failed = harness.store.tts.get(USER, job["job_id"])
    assert failed.status == JobStatus.FAILED and "timed out" in failed.error_message
    assert month_characters(harness.store, USER) == 0


def test_cancel_while_queued_ends_cancelled_uncharged_and_the_worker_moves_on(harness, workers, voice):
    job = generate(harness, voice.voice_id)
    tts_service.cancel_job(harness.store, USER, job["job_id"])  # before any worker polls
    workers.start("synthesize")
    described = harness.wait_execution(job["execution_arn"])
    # moto stops an execution only when it catches it between states (AWS: always ABORTED); either way it
    # ends, and fail-job keeps the cancel
    assert described["status"] in ("FAILED", "ABORTED")
    cancelled = harness.store.tts.get(USER, job["job_id"])
    assert cancelled.status == JobStatus.CANCELLED and cancelled.output_key is None
    assert month_characters(harness.store, USER) == 0
    after = generate(harness, voice.voice_id, text="And now something else.")
    assert harness.wait_execution(after["execution_arn"])["status"] == "SUCCEEDED"
