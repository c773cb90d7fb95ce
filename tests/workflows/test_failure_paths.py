"""Every way a job's workflow can fail, walked end to end: once the execution has ended, the job is
`failed` (with a message) or `cancelled`, never left pending/processing; its voice is not left
training and its characters are not left charged. The last resort, fail-job itself failing, is
caught by the sweeper."""

from __future__ import annotations

from datetime import timedelta

import pytest

from functions.orchestration import fail_job, finalize_tts, mark_processing, register_voice
from voiceclone.domain.jobs import JobStatus
from voiceclone.domain.timeutil import utcnow
from voiceclone.domain.voices import VoiceStatus
from voiceclone.services import training as training_service
from voiceclone.services import tts as tts_service
from voiceclone.workflows import local
from voiceclone.workflows.sweeper import sweep

from .records import job_dict, month_characters, ready_sample, ready_voice

USER = "alice"
ENDED = {JobStatus.FAILED, JobStatus.CANCELLED}


def _raise(error: Exception):
    def step(*args, **kwargs):
        raise error

    return step


def _start_training(harness, speech, model_type="xtts_v2_instant"):
    samples = [ready_sample(harness.store, harness.settings, USER, u.path.read_bytes(), u.transcript, "en",
                            u.duration_s) for u in speech[:2]]
    request = training_service.StartTrainingRequest(
        voice_name="v", sample_ids=[s.sample_id for s in samples], training_config={"model_type": model_type})
    return samples, job_dict(harness.store.training, training_service.start_training(harness.store, harness.settings, USER, request))


def _assert_training_ended(harness, job_id: str, execution: dict) -> None:
    assert execution["status"] != "RUNNING", execution
    job = harness.store.training.get(USER, job_id)
    assert job.status in ENDED and job.error_message, job
    voice = harness.store.voices.find(USER, job.voice_id)
    assert voice is None or voice.status == VoiceStatus.FAILED


def _assert_tts_ended(harness, job_id: str, execution: dict) -> None:
    assert execution["status"] != "RUNNING", execution
    job = harness.store.tts.get(USER, job_id)
    assert job.status in ENDED and job.error_message, job
    assert month_characters(harness.store, USER) == 0


TRAINING_FAILURES = {
    "a sample deleted before the start": "delete_sample",
    "an unreadable sample in enhance-sample": "garbage_sample",
    "no trainer within the heartbeat": "heartbeat",
    "register-voice failing for good": "register",
    "cancelled before any worker took it": "cancel",
}


@pytest.mark.parametrize("how", TRAINING_FAILURES.values(), ids=TRAINING_FAILURES.keys())
def test_every_training_failure_ends_the_job(how, harness, workflow_stack, workers, speech, monkeypatch, aws):
    if how == "heartbeat":
        local.deploy(workflow_stack, train_heartbeat_s=2)
    if how == "register":
        monkeypatch.setattr(register_voice, "register_voice", _raise(ValueError("artifact manifest unreadable")))
        workers.start("train")
    if how == "cancel":
        workers.start("train")
    samples, job = None, None
    if how in ("delete_sample", "garbage_sample"):
        samples = [ready_sample(harness.store, harness.settings, USER, speech[0].path.read_bytes(),
                                speech[0].transcript)]
        if how == "garbage_sample":
            aws.client("s3").put_object(Bucket=harness.settings.samples_bucket, Key=samples[0].s3_key,
                                        Body=b"this is not audio at all" * 50)
        request = training_service.StartTrainingRequest(voice_name="v", sample_ids=[samples[0].sample_id],
                                                        training_config={"model_type": "xtts_v2_instant"})
        if how == "delete_sample":
            monkeypatch.setattr(mark_processing, "mark_processing",
                                _first(lambda: harness.store.samples.delete(USER, samples[0].sample_id)))
        job = job_dict(harness.store.training, training_service.start_training(harness.store, harness.settings, USER, request))
    else:
        _, job = _start_training(harness, speech)
    if how == "cancel":
        training_service.cancel_job(harness.store, USER, job["job_id"])
    execution = harness.wait_execution(job["execution_arn"], timeout_s=120)
    _assert_training_ended(harness, job["job_id"], execution)
    if how == "register":
        assert harness.store.training.get(USER, job["job_id"]).error_message.startswith("an internal error stopped the job (ValueError)")


def _first(user_action):
    """mark-processing that lets the user act (delete what the job needs) just before it runs."""
    real = mark_processing.mark_processing

    def step(*args, **kwargs):
        user_action()
        return real(*args, **kwargs)

    return step


TTS_FAILURES = {
    "voice deleted before the start": "voice_deleted",
    "remote engine": "remote",
    "no synth worker within the heartbeat": "heartbeat",
    "finalize-tts failing for good": "finalize",
    "cancelled": "cancel",
}


@pytest.mark.parametrize("how", TTS_FAILURES.values(), ids=TTS_FAILURES.keys())
def test_every_tts_failure_ends_the_job(how, harness, workflow_stack, workers, instant_voice_files, aws, monkeypatch):
    s3 = aws.client("s3")
    voice = ready_voice(harness.store, USER, model_type="elevenlabs" if how == "remote" else "xtts_v2_instant")
    keys = {name: f"voices/{USER}/{voice.voice_id}/{path.name}" for name, path in instant_voice_files.items()}
    for name, path in instant_voice_files.items():
        s3.upload_file(str(path), harness.settings.models_bucket, keys[name])
    harness.store.voices.collection.update_one({"_id": voice.voice_id}, {"$set": {"artifact_keys": keys}})
    if how == "heartbeat":
        local.deploy(workflow_stack, synth_heartbeat_s=2)
    if how in ("finalize", "cancel"):
        workers.start("synthesize")
    if how == "finalize":
        monkeypatch.setattr(finalize_tts, "finalize_tts", _raise(KeyError("output_key")))
    if how == "voice_deleted":  # deleted as the job starts: deterministic, not a race with the workflow
        monkeypatch.setattr(mark_processing, "mark_processing",
                            _first(lambda: harness.store.voices.delete(USER, voice.voice_id)))
    request = tts_service.GenerateRequest(text="Nothing will be said.", voice_model_id=voice.voice_id)
    job = job_dict(harness.store.tts, tts_service.generate(harness.store, harness.settings, USER, request))
    if how == "cancel":
        tts_service.cancel_job(harness.store, USER, job["job_id"])
    execution = harness.wait_execution(job["execution_arn"], timeout_s=60)
    _assert_tts_ended(harness, job["job_id"], execution)


def test_when_fail_job_itself_fails_the_sweeper_ends_the_job(harness, workflow_stack, monkeypatch):
    local.deploy(workflow_stack, synth_heartbeat_s=2)  # no worker: the synth step times out
    monkeypatch.setattr(fail_job, "fail_job", _raise(RuntimeError("database unreachable")))
    voice = ready_voice(harness.store, USER)
    request = tts_service.GenerateRequest(text="Stuck?", voice_model_id=voice.voice_id)
    job = job_dict(harness.store.tts, tts_service.generate(harness.store, harness.settings, USER, request))
    execution = harness.wait_execution(job["execution_arn"], timeout_s=60)
    assert execution["status"] == "FAILED"
    assert harness.store.tts.get(USER, job["job_id"]).status == JobStatus.PROCESSING  # fail-job could not run
    monkeypatch.undo()
    report = sweep(harness.store, harness.settings, harness.sfn(), now=utcnow() + timedelta(hours=1))
    assert job["job_id"] in report.failed
    _assert_tts_ended(harness, job["job_id"], execution)
    assert "ended failed" in harness.store.tts.get(USER, job["job_id"]).error_message
