"""The TTS state machine (moto's interpreter) on a remote engine: mark-processing routes the job to
remote-synthesize, which calls the provider's fake; finalize-tts completes and charges it, or fail-job
fails it with the provider's message and refunds it."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import soundfile

from tests.support.fakes.openai_fake import FakeOpenAi
from voiceclone import config
from voiceclone.domain.ids import TTS_JOB_PREFIX, new_id
from voiceclone.domain.jobs import JobStatus
from voiceclone.domain.pricing import pricing_for
from voiceclone.domain.timeutil import month_key, utcnow
from voiceclone.domain.tts import TtsJob
from voiceclone.workflows.starter import start_execution

from .records import month_characters, ready_voice

USER = "alice"
KEY = "sk-proj-WORKFLOWKEY0123456789"
TEXT = "Hello there. This job runs on a remote engine."


@pytest.fixture
def openai_fake(monkeypatch):
    with FakeOpenAi(KEY) as fake:
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        monkeypatch.setenv("VOICECLONE_OPENAI_BASE_URL", fake.base_url)
        config.get_settings.cache_clear()  # the base URL is a setting (Settings.openai_base_url)
        yield fake
    assert fake.violations == []


def start_openai_job(harness, output_format: str = "ogg") -> TtsJob:
    """A job on the openai engine, charged and started as the API does (services.tts.generate)."""
    voice = ready_voice(harness.store, USER)
    job = TtsJob(job_id=new_id(TTS_JOB_PREFIX), user_id=USER, voice_model_id=voice.voice_id, engine="openai",
                 text=TEXT, characters=len(TEXT), output_format=output_format,
                 deadline_at=utcnow() + timedelta(seconds=900))
    harness.store.users.charge_characters(USER, job.job_id, job.characters, month=month_key(job.created_at))
    harness.store.tts.create(job)
    arn = start_execution(harness.settings.tts_state_machine_arn, job.job_id, USER)
    harness.store.tts.collection.update_one({"_id": job.job_id}, {"$set": {"execution_arn": arn}})
    return harness.store.tts.get(USER, job.job_id)


def test_a_remote_job_completes_through_the_state_machine(harness, aws, openai_fake):
    job = start_openai_job(harness)
    described = harness.wait_execution(job.execution_arn)
    assert described["status"] == "SUCCEEDED", described
    done = harness.store.tts.get(USER, job.job_id)
    assert done.status == JobStatus.COMPLETED and done.output_key == f"tts/{USER}/{job.job_id}.ogg"
    body = aws.client("s3").get_object(Bucket=harness.settings.outputs_bucket, Key=done.output_key)["Body"].read()
    audio, rate = soundfile.read(io.BytesIO(body))
    assert rate == 24000 and abs(len(audio) / rate - done.actual_duration_s) < 0.1
    assert done.actual_cost_usd == pytest.approx(len(TEXT) / 1000 * pricing_for("openai").usd_per_1k_characters)
    assert month_characters(harness.store, USER) == len(TEXT)
    (speech,) = [request for request in openai_fake.requests if request.path.endswith("/audio/speech")]
    assert KEY in speech.headers["authorization"]


def test_a_refused_request_fails_the_job_with_the_providers_message_and_refunds(harness, openai_fake):
    openai_fake.fail_next(400)
    job = start_openai_job(harness)
    described = harness.wait_execution(job.execution_arn)
    assert described["status"] == "FAILED"
    failed = harness.store.tts.get(USER, job.job_id)
    assert failed.status == JobStatus.FAILED
    assert failed.error_message == "openai refused the request: openai failed (HTTP 400): scripted 400"
    assert KEY not in (failed.error_message + described.get("cause", ""))
    assert month_characters(harness.store, USER) == 0
