"""The TTS steps and long texts: mark-processing hands the worker the text's language parts and the style
sample's audio key, refuses a job whose style sample was deleted, and a failed job's sentence checkpoints
are removed."""

from __future__ import annotations

import pytest

from functions.orchestration import fail_job, mark_processing
from voiceclone import blobs
from voiceclone.domain.long_form import LanguagePart
from voiceclone.workflows.errors import JobNotRunnable

from .records import ready_sample, ready_voice, tts_job

USER = "alice"


@pytest.fixture
def store(settings):
    from voiceclone.store import get_store

    return get_store(settings)


def _step(job, **extra):
    return {"kind": "tts", "job_id": job.job_id, "user_id": job.user_id, **extra}


def test_the_payload_carries_language_parts_and_the_style_samples_key(store, settings):
    voice = ready_voice(store, USER)
    sample = ready_sample(store, settings, USER, b"RIFF....", None)
    parts = [LanguagePart(start=0, end=13, language="en"), LanguagePart(start=14, end=30, language="de")]
    job = tts_job(store, USER, voice, "Hello, friend. Guten Tag, Freund.", language_parts=parts,
                  style_sample_id=sample.sample_id)
    payload = mark_processing.lambda_handler(_step(job), None)["payload"]
    assert [LanguagePart.model_validate(p) for p in payload["language_parts"]] == parts
    assert payload["style_sample_key"] == sample.s3_key


def test_a_job_whose_style_sample_was_deleted_does_not_run(store, settings):
    voice = ready_voice(store, USER)
    sample = ready_sample(store, settings, USER, b"RIFF....", None)
    job = tts_job(store, USER, voice, "Say it like that.", style_sample_id=sample.sample_id)
    store.samples.delete(USER, sample.sample_id)
    with pytest.raises(JobNotRunnable, match="style sample .* was deleted"):
        mark_processing.lambda_handler(_step(job), None)


def test_a_failed_jobs_sentence_checkpoints_are_removed(store, settings):
    voice = ready_voice(store, USER)
    job = tts_job(store, USER, voice, "A long text. Many sentences.")
    s3 = blobs.s3_client()
    key = f"{blobs.checkpoint_prefix(USER, job.job_id)}speech/abc/group_00000.npz"
    s3.put_object(Bucket=settings.models_bucket, Key=key, Body=b"finished sentences")
    fail_job.lambda_handler(_step(job, error={"Error": "WorkerError", "Cause": "out of memory"}), None)
    assert s3.list_objects_v2(Bucket=settings.models_bucket, Prefix=f"checkpoints/{USER}/").get("KeyCount", 0) == 0
