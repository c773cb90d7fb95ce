"""Each orchestration Lambda called with the event its state machine builds, on a real database and S3."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from functions.orchestration import (
    cleanup,
    fail_job,
    finalize_tts,
    mark_processing,
    remote_synthesize,
    sweeper,
)
from voiceclone import blobs
from voiceclone.domain.errors import Gone
from voiceclone.domain.jobs import JobCancelled, JobStatus
from voiceclone.domain.pricing import pricing_for
from voiceclone.domain.timeutil import utcnow
from voiceclone.services import tts as tts_service
from voiceclone.store import get_store
from voiceclone.workflows.errors import EngineNotAvailable
from voiceclone.workflows.events import CaughtError
from voiceclone.workflows.failure import failure_message

from .records import month_characters, ready_sample, ready_voice, tts_job

USER = "alice"


@pytest.fixture
def store(settings):
    return get_store(settings)


def _synth_result(job, seconds=1.5):
    return {"output_key": blobs.tts_output_key(job.user_id, job.job_id, "mp3"), "output_format": "mp3",
            "duration_s": seconds, "sample_rate": 24000, "size_bytes": 1234, "metrics": {"quality_score": 0.8}}


def _step(job, **extra):
    return {"kind": "tts", "job_id": job.job_id, "user_id": job.user_id, **extra}


def test_failure_message_is_readable_for_every_kind_of_error():
    lambda_cause = json.dumps({"errorType": "JobNotRunnable", "errorMessage": "voice 'v' is deleted; it cannot speak"})
    assert failure_message(CaughtError(Error="JobNotRunnable", Cause=lambda_cause)) == "voice 'v' is deleted; it cannot speak"
    bug = json.dumps({"errorType": "KeyError", "errorMessage": "'voice_id'"})
    assert failure_message(CaughtError(Error="KeyError", Cause=bug)).startswith("an internal error stopped the job (KeyError)")
    botocore = json.dumps({"errorType": "ClientError", "errorMessage": "An error occurred (404) when calling the HeadObject operation"})
    plain = failure_message(CaughtError(Error="ClientError", Cause=botocore))
    assert "HeadObject" not in plain and "An error occurred" not in plain and "try again" in plain
    assert failure_message(CaughtError(Error="WorkerError", Cause="CUDA out of memory")) == "CUDA out of memory"
    assert "timed out" in failure_message(CaughtError(Error="States.Timeout"))
    assert failure_message(CaughtError(Error="WorkerError")) == "the job failed (WorkerError) without further detail"
    assert len(failure_message(CaughtError(Error="WorkerError", Cause="x" * 5000))) == 1000


def test_mark_processing_moves_pending_to_processing_and_builds_the_synth_payload(store):
    voice = ready_voice(store, USER)
    job = tts_job(store, USER, voice, "Say this.")
    answer = mark_processing.lambda_handler(_step(job), None)
    assert answer["route"] == "gpu" and answer["engine"] == "xtts_v2_instant"
    assert answer["payload"]["text"] == "Say this."
    assert answer["payload"]["output_key"] == f"tts/{USER}/{job.job_id}.mp3"
    assert answer["payload"]["voice_artifact_keys"] == voice.artifact_keys
    assert store.tts.get(USER, job.job_id).status == JobStatus.PROCESSING
    # a retried step goes on with the job already processing
    assert mark_processing.lambda_handler(_step(job), None) == answer


def test_mark_processing_refuses_a_cancelled_job_and_another_users_job(store):
    voice = ready_voice(store, USER)
    job = tts_job(store, USER, voice)
    store.tts.transition(USER, job.job_id, JobStatus.CANCELLED)
    with pytest.raises(JobCancelled):
        mark_processing.lambda_handler(_step(job), None)
    other = tts_job(store, USER, voice)
    with pytest.raises(Exception, match="not found"):
        mark_processing.lambda_handler({**_step(other), "user_id": "mallory"}, None)


def test_remote_synthesize_fails_clearly():
    with pytest.raises(EngineNotAvailable, match="engine not available: 'elevenlabs'"):
        remote_synthesize.lambda_handler({"kind": "tts", "job_id": "tts_1", "user_id": USER, "engine": "elevenlabs"}, None)


def test_finalize_tts_completes_and_charges_exactly_once_when_retried(store):
    voice = ready_voice(store, USER)
    job = tts_job(store, USER, voice, "Twenty characters!!", charged=False)
    store.tts.transition(USER, job.job_id, JobStatus.PROCESSING)
    event = _step(job, result=_synth_result(job))
    first = finalize_tts.lambda_handler(event, None)
    second = finalize_tts.lambda_handler(event, None)
    assert first["charged_now"] is True and second["charged_now"] is False
    assert month_characters(store, USER) == len("Twenty characters!!")
    done = store.tts.get(USER, job.job_id)
    assert done.status == JobStatus.COMPLETED and done.actual_duration_s == 1.5 and done.quality_score == 0.8
    assert done.actual_cost_usd == pytest.approx(len(job.text) / 1000 * pricing_for(voice.model_type).usd_per_1k_characters)


def test_finalize_tts_does_not_complete_or_charge_a_cancelled_job(store):
    voice = ready_voice(store, USER)
    job = tts_job(store, USER, voice, "Cancelled words")
    store.tts.transition(USER, job.job_id, JobStatus.PROCESSING)
    tts_service.cancel_job(store, USER, job.job_id)  # the API refunds
    with pytest.raises(JobCancelled):
        finalize_tts.lambda_handler(_step(job, result=_synth_result(job)), None)
    assert store.tts.get(USER, job.job_id).status == JobStatus.CANCELLED
    assert month_characters(store, USER) == 0


def test_fail_job_fails_with_the_message_and_refunds_once(store):
    voice = ready_voice(store, USER)
    job = tts_job(store, USER, voice, "Never spoken")
    assert month_characters(store, USER) == len("Never spoken")
    event = _step(job, error={"Error": "WorkerError", "Cause": "the voice artifacts are unreadable"})
    assert fail_job.lambda_handler(event, None) == {"status": "failed", "message": "the voice artifacts are unreadable"}
    assert fail_job.lambda_handler(event, None)["status"] == "failed"  # retried: no double refund
    failed = store.tts.get(USER, job.job_id)
    assert failed.status == JobStatus.FAILED and failed.error_message == "the voice artifacts are unreadable"
    assert month_characters(store, USER) == 0


def test_fail_job_leaves_a_cancelled_job_cancelled(store):
    voice = ready_voice(store, USER)
    job = tts_job(store, USER, voice)
    store.tts.transition(USER, job.job_id, JobStatus.CANCELLED, error_message="cancelled by the user")
    answer = fail_job.lambda_handler(_step(job, error={"Error": "Cancelled", "Cause": "the job is cancelled"}), None)
    assert answer == {"status": "cancelled", "message": "cancelled by the user"}
    assert store.tts.get(USER, job.job_id).status == JobStatus.CANCELLED


def test_fail_job_removes_an_output_written_before_the_cancel(store, settings):
    voice = ready_voice(store, USER)
    job = tts_job(store, USER, voice)
    key = blobs.tts_output_key(USER, job.job_id, str(job.output_format))
    s3 = blobs.s3_client()
    s3.put_object(Bucket=settings.outputs_bucket, Key=key, Body=b"spoken before the cancel was seen")
    store.tts.transition(USER, job.job_id, JobStatus.CANCELLED, error_message="cancelled by the user")
    fail_job.lambda_handler(_step(job, error={"Error": "Cancelled", "Cause": "the job is cancelled"}), None)
    assert s3.list_objects_v2(Bucket=settings.outputs_bucket).get("KeyCount", 0) == 0


def _removal_event(bucket, key, name="ObjectRemoved:Delete"):
    return {"Records": [{"eventName": name, "s3": {"bucket": {"name": bucket}, "object": {"key": key}}}]}


def test_cleanup_marks_an_expired_output_so_download_answers_410(store, settings):
    voice = ready_voice(store, USER)
    job = tts_job(store, USER, voice)
    store.tts.transition(USER, job.job_id, JobStatus.PROCESSING)
    finalize_tts.lambda_handler(_step(job, result=_synth_result(job)), None)
    key = blobs.tts_output_key(USER, job.job_id, "mp3")
    blobs.s3_client().put_object(Bucket=settings.outputs_bucket, Key=key, Body=b"ID3 audio")
    assert tts_service.download_url(store, settings, USER, job.job_id)
    blobs.delete_object(settings.outputs_bucket, key)
    answer = cleanup.lambda_handler(_removal_event(settings.outputs_bucket, key, "LifecycleExpiration:Delete"), None)
    assert answer == {"outcomes": [f"tts job {job.job_id} output expired"]}
    assert store.tts.get(USER, job.job_id).output_expired
    with pytest.raises(Gone, match="expired or was deleted"):
        tts_service.download_url(store, settings, USER, job.job_id)
    # other users' keys and unrelated events change nothing
    assert cleanup.lambda_handler(_removal_event(settings.outputs_bucket, f"tts/bob/{job.job_id}.mp3"), None)[
        "outcomes"] == ["ignored: no tts job has this output"]
    assert cleanup.lambda_handler({"Records": [{"eventName": "ObjectCreated:Put"}]}, None) == {"outcomes": []}


def test_cleanup_removes_a_sample_whose_audio_is_gone(store, settings):
    sample = ready_sample(store, settings, USER, b"RIFF....", "hello")
    encoded = sample.s3_key.replace("_", "%5F")  # S3 event keys arrive URL-encoded
    answer = cleanup.lambda_handler(_removal_event(settings.samples_bucket, encoded), None)
    assert answer["outcomes"] == [f"sample {sample.sample_id} deleted"]
    assert store.samples.find(USER, sample.sample_id) is None


def test_sweeper_fails_overdue_jobs_without_a_live_execution_and_purges_old_ones(store, settings, aws, monkeypatch):
    voice = ready_voice(store, USER)
    overdue = tts_job(store, USER, voice, "Too late", deadline_s=-60)
    in_time = tts_job(store, USER, voice, "In time")
    old = tts_job(store, USER, voice, "Old news")
    store.tts.transition(USER, old.job_id, JobStatus.PROCESSING)
    finalize_tts.lambda_handler(_step(old, result=_synth_result(old)), None)
    old_key = blobs.tts_output_key(USER, old.job_id, "mp3")
    blobs.s3_client().put_object(Bucket=settings.outputs_bucket, Key=old_key, Body=b"ID3")
    later = utcnow() + timedelta(days=settings.job_retention_days + 1)
    from voiceclone.workflows.sweeper import sweep

    report = sweep(store, settings, aws.client("stepfunctions"), now=later - timedelta(days=settings.job_retention_days + 1))
    assert report.failed == [overdue.job_id] and report.purged == []
    failed = store.tts.get(USER, overdue.job_id)
    assert failed.status == JobStatus.FAILED and "did not finish by" in failed.error_message and "never started" in failed.error_message
    assert store.tts.get(USER, in_time.job_id).status == JobStatus.PENDING
    assert month_characters(store, USER) == len("In time") + len("Old news")  # the overdue job refunded

    report = sweep(store, settings, aws.client("stepfunctions"), now=later)
    assert old.job_id in report.purged and overdue.job_id in report.purged
    assert store.tts.find(USER, old.job_id) is None
    assert not blobs.object_exists(settings.outputs_bucket, old_key)
    # the Lambda entry point runs a sweep with the real clock
    assert sweeper.lambda_handler({}, None)["failed"] == []


def test_sweeper_rejects_a_sample_whose_analysis_died(store, settings, aws):
    from voiceclone.domain.samples import SampleStatus
    from voiceclone.workflows.sweeper import STUCK_ANALYSIS_REASON, sweep

    stuck = ready_sample(store, settings, USER, b"RIFF....", None)
    store.samples.collection.update_one({"_id": stuck.sample_id}, {"$set": {"status": "analyzing"}})
    fresh = ready_sample(store, settings, USER, b"RIFF....", None)
    sfn = aws.client("stepfunctions")

    assert sweep(store, settings, sfn).rejected_samples == []  # not overdue yet
    later = utcnow() + timedelta(seconds=settings.sample_analysis_timeout_s + 60)
    store.samples.collection.update_one({"_id": fresh.sample_id}, {"$set": {"status": "analyzing", "updated_at": later}})
    report = sweep(store, settings, sfn, now=later)
    assert report.rejected_samples == [stuck.sample_id]
    rejected = store.samples.get(USER, stuck.sample_id)
    assert rejected.status == SampleStatus.REJECTED and rejected.reasons == [STUCK_ANALYSIS_REASON]
    assert not rejected.suitable_for_training
    assert store.samples.get(USER, fresh.sample_id).status == SampleStatus.ANALYZING
