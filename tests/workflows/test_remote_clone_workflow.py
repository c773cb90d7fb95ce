"""Training with model_type elevenlabs, end to end on the local platform (moto's interpreter, SecantusDB,
the real orchestration Lambdas, the audio engineer's enhance-sample) against the ElevenLabs fake: the
RemoteClone state adds the voice at ElevenLabs from the enhanced clips, register-voice makes it ready,
it speaks through remote-synthesize and its ElevenLabs voice goes when the platform's voice is deleted;
the provider's refusals fail the job with its message, never the key."""

from __future__ import annotations

import pytest

from tests.support.fakes.elevenlabs_fake import FakeElevenLabs
from voiceclone import blobs, config
from voiceclone.domain.errors import InvalidInput
from voiceclone.domain.jobs import JobStatus
from voiceclone.domain.voices import PROVIDER_VOICE_ARTIFACT, VoiceStatus
from voiceclone.services import training as training_service
from voiceclone.services import tts as tts_service
from voiceclone.services import voices as voices_service
from voiceclone.services.views.voices import VoiceView
from voiceclone.workflows.engine_status import refresh_engine_status

from .records import job_dict, ready_sample

USER = "alice"
KEY = "sk_el_WORKFLOWKEY0123456789abcdef"
WRONG_KEY = "sk_el_NOTTHEKEY9876543210fedcba"


@pytest.fixture
def elevenlabs(monkeypatch):
    with FakeElevenLabs(KEY) as fake:
        monkeypatch.setenv("ELEVENLABS_API_KEY", KEY)
        monkeypatch.setenv("VOICECLONE_ELEVENLABS_BASE_URL", fake.base_url)
        config.get_settings.cache_clear()  # the base URL is a setting
        yield fake
    config.get_settings.cache_clear()
    assert fake.violations == []


@pytest.fixture
def samples(harness, speech):
    return [
        ready_sample(harness.store, harness.settings, USER, u.path.read_bytes(), u.transcript, "en", u.duration_s)
        for u in speech[:2]
    ]


def start(harness, samples) -> dict:
    request = training_service.StartTrainingRequest(
        voice_name="My ElevenLabs voice", sample_ids=[s.sample_id for s in samples],
        training_config={"model_type": "elevenlabs"},
    )
    return job_dict(harness.store.training, training_service.start_training(harness.store, harness.settings, USER, request))


def test_a_voice_cloned_at_elevenlabs_is_registered_speaks_there_and_is_deleted_there(harness, aws, samples, elevenlabs):
    job = start(harness, samples)
    described = harness.wait_execution(job["execution_arn"], timeout_s=180)
    assert described["status"] == "SUCCEEDED", described
    done = harness.store.training.get(USER, job["job_id"])
    assert done.status == JobStatus.COMPLETED and done.result_model_id == done.voice_id
    voice = harness.store.voices.get(USER, done.voice_id)
    assert voice.status == VoiceStatus.READY and voice.engine == "elevenlabs"
    (provider_voice_id,) = elevenlabs.voices
    assert voice.artifact_keys == {PROVIDER_VOICE_ARTIFACT: provider_voice_id}
    added = elevenlabs.voices[provider_voice_id]
    assert added["name"] == "My ElevenLabs voice"
    # the enhanced clips went up (clip files named after their sample), and are gone from S3 once the voice exists
    assert len(added["files"]) == voice.quality_report["clips_used"] >= len(samples)
    assert {filename.split("_clip")[0] for filename, _ in added["files"]} == {s.sample_id for s in samples}
    listed = aws.client("s3").list_objects_v2(Bucket=harness.settings.samples_bucket,
                                              Prefix=blobs.prepared_prefix(USER, done.job_id))
    assert listed.get("KeyCount", 0) == 0
    # the provider's voice id is bookkeeping: the API's view of the voice does not show it
    assert provider_voice_id not in VoiceView.for_user(voice, USER).model_dump_json()

    # it speaks through ElevenLabs
    refresh_engine_status(harness.store, harness.settings, aws.client("s3"))  # the probe the sweeper runs
    request = tts_service.GenerateRequest(text="My cloned voice speaks.", voice_model_id=voice.voice_id)
    spoken = job_dict(harness.store.tts, tts_service.generate(harness.store, harness.settings, USER, request))
    assert harness.wait_execution(spoken["execution_arn"])["status"] == "SUCCEEDED"
    assert harness.store.tts.get(USER, spoken["job_id"]).status == JobStatus.COMPLETED
    assert any(r.path == f"/v1/text-to-speech/{provider_voice_id}" for r in elevenlabs.requests)

    # and deleting the platform's voice deletes it at ElevenLabs
    voices_service.delete_voice(harness.store, harness.settings, USER, voice.voice_id)
    assert elevenlabs.voices == {}
    assert any(r.method == "DELETE" and r.path == f"/v1/voices/{provider_voice_id}" for r in elevenlabs.requests)


def test_a_refused_key_fails_the_job_with_the_providers_message_never_the_key(harness, samples, elevenlabs, monkeypatch):
    monkeypatch.setenv("ELEVENLABS_API_KEY", WRONG_KEY)  # configured, but not one ElevenLabs knows
    job = start(harness, samples)
    described = harness.wait_execution(job["execution_arn"], timeout_s=180)
    assert described["status"] == "FAILED"
    failed = harness.store.training.get(USER, job["job_id"])
    assert failed.status == JobStatus.FAILED
    assert failed.error_message.startswith(
        "engine not available: elevenlabs refused the platform's API key (HTTP 401: "
    ), failed.error_message
    for text in (failed.error_message, described.get("cause", ""), str(described.get("output", ""))):
        assert WRONG_KEY not in text and WRONG_KEY[:12] not in text
    voice = harness.store.voices.get(USER, failed.voice_id)
    assert voice.status == VoiceStatus.FAILED and elevenlabs.voices == {}


def test_a_clone_the_provider_refuses_fails_the_job_with_its_message(harness, samples, elevenlabs):
    elevenlabs.fail_next(400)  # the add-voice request
    job = start(harness, samples)
    assert harness.wait_execution(job["execution_arn"], timeout_s=180)["status"] == "FAILED"
    failed = harness.store.training.get(USER, job["job_id"])
    assert failed.error_message == (
        "elevenlabs refused to clone the voice: elevenlabs failed (HTTP 400): scripted 400"
    ), failed.error_message
    assert KEY not in failed.error_message


def test_without_a_key_training_refuses_elevenlabs_saying_so(harness, samples, monkeypatch):
    monkeypatch.delenv("ELEVENLABS_API_KEY", raising=False)
    config.get_settings.cache_clear()
    with pytest.raises(InvalidInput, match="elevenlabs has no API key configured"):
        start(harness, samples)
    assert harness.store.training.collection.count_documents({"user_id": USER}) == 0
    assert harness.store.voices.collection.count_documents({"user_id": USER}) == 0
