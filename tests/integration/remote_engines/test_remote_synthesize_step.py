"""The remote-synthesize Lambda with the event the TTS state machine builds, on SecantusDB and moto S3,
against the provider fakes; its answer goes through finalize-tts as the GPU worker's does."""

from __future__ import annotations

import io

import pytest
import soundfile as sf

from functions.orchestration import finalize_tts, remote_synthesize
from tests.integration.remote_engines.conftest import AZURE_KEY, ELEVENLABS_KEY, OPENAI_KEY
from tests.workflows.records import month_characters, ready_voice
from voiceclone import blobs, config
from voiceclone.domain.ids import TTS_JOB_PREFIX, new_id
from voiceclone.domain.jobs import JobStatus
from voiceclone.domain.pricing import pricing_for
from voiceclone.domain.timeutil import month_key
from voiceclone.domain.tts import TtsJob
from voiceclone.engines.remote.errors import ProviderError
from voiceclone.store import get_store
from voiceclone.workers.messages import SynthResult
from voiceclone.workflows.errors import EngineNotAvailable, JobNotRunnable
from voiceclone.workflows.events import FinalizeTtsEvent

USER = "alice"
TEXT = "Hello there. This sentence is spoken by a remote engine."


@pytest.fixture
def store(settings):
    return get_store(settings)


@pytest.fixture
def provider_env(monkeypatch, fake_openai, fake_elevenlabs, fake_azure):
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    monkeypatch.setenv("ELEVENLABS_API_KEY", ELEVENLABS_KEY)
    monkeypatch.setenv("AZURE_SPEECH_KEY", AZURE_KEY)
    monkeypatch.setenv("VOICECLONE_OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("VOICECLONE_ELEVENLABS_BASE_URL", fake_elevenlabs.base_url)
    monkeypatch.setenv("VOICECLONE_AZURE_SPEECH_ENDPOINT", fake_azure.base_url)
    config.get_settings.cache_clear()  # the base URLs are settings
    return {"openai": fake_openai, "elevenlabs": fake_elevenlabs, "azure": fake_azure}


def processing_job(store, engine: str, output_format: str = "mp3") -> TtsJob:
    voice = ready_voice(store, USER)
    job = TtsJob(job_id=new_id(TTS_JOB_PREFIX), user_id=USER, voice_model_id=voice.voice_id, engine=engine,
                 text=TEXT, characters=len(TEXT), output_format=output_format)
    store.users.charge_characters(USER, job.job_id, job.characters, month=month_key(job.created_at))
    store.tts.create(job)
    return store.tts.transition(USER, job.job_id, JobStatus.PROCESSING)


def step_event(store, job: TtsJob, **extra) -> dict:
    """What the RemoteSynthesize state passes: the job payload mark-processing built (processing.start_tts)."""
    voice = store.voices.get(USER, job.voice_model_id)
    payload = {
        "voice_id": voice.voice_id, "model_type": str(voice.model_type), "voice_artifact_keys": voice.artifact_keys,
        "text": job.text, "language": job.language, "voice_settings": job.voice_settings.model_dump(),
        "output_format": str(job.output_format),
        "output_key": blobs.tts_output_key(USER, job.job_id, str(job.output_format)), **extra,
    }
    return {"kind": "tts", "job_id": job.job_id, "user_id": USER, "engine": job.engine, "payload": payload}


@pytest.mark.parametrize(("engine", "output_format", "voice"), [
    ("openai", "mp3", "nova"), ("azure", "ogg", "en-US-JennyNeural"), ("elevenlabs", "flac", "21m00Tcm4TlvDq8ikWAM"),
])
def test_a_remote_job_is_stored_normalised_and_finalised(settings, store, aws, provider_env, engine, output_format, voice):
    job = processing_job(store, engine, output_format)
    event = step_event(store, job, provider_voice_id=voice)
    answer = remote_synthesize.lambda_handler(event, None)

    result = SynthResult.model_validate(answer)
    assert FinalizeTtsEvent.model_validate({"kind": "tts", "job_id": job.job_id, "user_id": USER, "result": answer})
    assert result.output_key == event["payload"]["output_key"] and result.output_format == output_format
    stored = aws.client("s3").get_object(Bucket=settings.outputs_bucket, Key=result.output_key)
    assert stored["ContentType"] == {"mp3": "audio/mpeg", "ogg": "audio/ogg", "flac": "audio/flac"}[output_format]
    body = stored["Body"].read()
    samples, rate = sf.read(io.BytesIO(body))
    assert (rate, len(body)) == (result.sample_rate, result.size_bytes)
    assert abs(len(samples) / rate - result.duration_s) < 0.1 and result.duration_s > 3
    assert result.metrics["synthesis_s"] > 0 and result.metrics["provider_s"] == result.metrics["synthesis_s"]
    assert provider_env[engine].requests, "the provider was called"

    finalized = finalize_tts.lambda_handler({"kind": "tts", "job_id": job.job_id, "user_id": USER, "result": answer}, None)
    assert finalized["charged_now"] is False  # charged up front, as the API does
    done = store.tts.get(USER, job.job_id)
    assert done.status == JobStatus.COMPLETED and done.output_key == result.output_key
    assert done.actual_duration_s == result.duration_s
    assert done.actual_cost_usd == pytest.approx(len(TEXT) / 1000 * pricing_for(engine).usd_per_1k_characters)
    assert month_characters(store, USER) == len(TEXT)


def test_an_engine_without_a_key_is_not_available(settings, store, monkeypatch):
    for name in ("OPENAI_API_KEY", "ELEVENLABS_API_KEY", "AZURE_SPEECH_KEY"):
        monkeypatch.delenv(name, raising=False)
    job = processing_job(store, "openai")
    with pytest.raises(EngineNotAvailable, match="engine not available: 'openai' has no API key configured"):
        remote_synthesize.lambda_handler(step_event(store, job), None)


def test_a_refused_key_makes_the_engine_unavailable_and_never_shows(settings, store, provider_env, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-proj-WRONGKEY00000000000")
    job = processing_job(store, "openai")
    with pytest.raises(EngineNotAvailable, match=r"openai refused the platform's API key \(HTTP 401: invalid api key\)") as refused:
        remote_synthesize.lambda_handler(step_event(store, job), None)
    assert "WRONGKEY" not in str(refused.value)


def test_a_provider_4xx_fails_the_job_with_the_providers_message(settings, store, provider_env):
    job = processing_job(store, "elevenlabs")
    with pytest.raises(JobNotRunnable, match="elevenlabs refused the request: .*HTTP 404.*was not found"):
        remote_synthesize.lambda_handler(step_event(store, job, provider_voice_id="no-such-voice"), None)


def test_an_elevenlabs_voice_needs_its_elevenlabs_id(settings, store, provider_env):
    job = processing_job(store, "elevenlabs")
    with pytest.raises(JobNotRunnable, match="ElevenLabs voice id"):
        remote_synthesize.lambda_handler(step_event(store, job), None)


def test_the_elevenlabs_id_may_be_one_of_the_voices_artifact_keys(settings, store, provider_env):
    job = processing_job(store, "elevenlabs", "wav")
    event = step_event(store, job)
    event["payload"]["voice_artifact_keys"] = {"provider_voice_id": "21m00Tcm4TlvDq8ikWAM"}
    assert remote_synthesize.lambda_handler(event, None)["output_format"] == "wav"
    assert provider_env["elevenlabs"].requests[-1].path == "/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM"


def test_a_provider_that_stays_rate_limited_is_a_provider_error(settings, store, provider_env, aws):
    provider_env["azure"].fail_next(429, times=4, retry_after="0")
    job = processing_job(store, "azure")
    event = step_event(store, job)
    with pytest.raises(ProviderError, match=r"azure failed \(HTTP 429 after 4 attempts\)"):
        remote_synthesize.lambda_handler(event, None)
    listing = aws.client("s3").list_objects_v2(Bucket=settings.outputs_bucket, Prefix=event["payload"]["output_key"])
    assert listing.get("KeyCount", 0) == 0  # nothing stored


def test_malformed_audio_is_not_stored(settings, store, provider_env, aws):
    provider_env["openai"].malformed_next()
    job = processing_job(store, "openai")
    event = step_event(store, job)
    with pytest.raises(ProviderError, match="^openai returned wav audio that cannot be decoded"):
        remote_synthesize.lambda_handler(event, None)
    listing = aws.client("s3").list_objects_v2(Bucket=settings.outputs_bucket, Prefix=event["payload"]["output_key"])
    assert listing.get("KeyCount", 0) == 0
