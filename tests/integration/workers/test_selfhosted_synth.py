"""The synth worker serves YourTTS and Bark beside XTTS: their tiny random-weight models uploaded to the
models bucket (as `voiceclone models fetch NAME --upload` puts them), copied onto the worker at start,
loaded per job through the engine-model LRU; a YourTTS voice and a Bark speaker prompt (a catalogue
voice) each speak a job through the real worker loop (moto SQS + Step Functions task token, S3,
SecantusDB). The worker registers the model types it serves, and the availability listing shows them."""

from __future__ import annotations

import io
import json

import pytest
import soundfile

from tests.integration.workers.conftest import create_tts_job, make_worker, poll_until_handled, upload_voice
from voiceclone.domain.availability import catalogue_voice_id
from voiceclone.domain.registry import ModelType
from voiceclone.engines.bark.tiny import tiny_bark_dir
from voiceclone.engines.base import FineTuneConfig, TrainingClip
from voiceclone.engines.fetch_selfhosted import upload
from voiceclone.engines.xtts.tiny import tiny_xtts_dir
from voiceclone.engines.yourtts.tiny import tiny_yourtts_dir
from voiceclone.services.engines import available_models
from voiceclone.workers import resources
from voiceclone.workers.batch import BatchSynthHandler, SynthQueueHandler
from voiceclone.workers.synth import SynthHandler
from voiceclone.workers.voice_cache import VoiceCache
from voiceclone.workflows.engine_status import refresh_engine_status

USER = "alice"
BARK_PRESET = "v2/en_speaker_0"
TEXT = "Hello there, this is a short test."


@pytest.fixture
def worker_settings(settings, aws, tmp_path, monkeypatch):
    """A synth worker's settings with no engine folders configured: YourTTS and Bark come from the bucket."""
    s3 = aws.client("s3")
    upload(tiny_yourtts_dir(), settings.models_bucket, "yourtts", s3)
    upload(tiny_bark_dir(), settings.models_bucket, "bark", s3)
    return settings.model_copy(update={
        "model_cache_dir": str(tmp_path / "models"), "worker_device": "cpu", "xtts_max_new_tokens": 24,
        "bark_max_gen_duration_s": 0.3,  # random weights never stop on their own
        "worker_model_cache_mb": 40,  # YourTTS (~8 MB) and Bark (~28 MB) fit; with XTTS one has to go
    })


@pytest.fixture
def synth_worker(worker_settings, store, aws, queue_url):
    registry = resources.engine_registry(worker_settings, tiny_xtts_dir(), aws.client("s3"))
    handler = SynthHandler(worker_settings, registry, aws.client("s3"), VoiceCache(64 * 1024 * 1024))
    worker = make_worker(handler, queue_url, store, aws)
    yield worker
    registry.models.unload_all()


def _speak(machine, worker, store, settings, job_id: str, voice_id: str, model_type: str, keys: dict) -> dict:
    create_tts_job(store, USER, job_id, voice_id, TEXT)
    payload = {"voice_id": voice_id, "model_type": model_type, "voice_artifact_keys": keys, "text": TEXT,
               "language": "en", "output_format": "ogg", "output_key": f"tts/{USER}/{job_id}.ogg"}
    execution = machine.start(job_id, USER, "synthesize", payload)
    poll_until_handled(worker, timeout_s=120)
    described = machine.wait(execution, timeout_s=120)
    assert described["status"] == "SUCCEEDED", described
    return json.loads(described["output"])


def _decoded(aws, settings, key: str):
    body = aws.client("s3").get_object(Bucket=settings.outputs_bucket, Key=key)["Body"].read()
    return soundfile.read(io.BytesIO(body))


def test_a_yourtts_voice_and_a_bark_preset_speak_through_the_synth_worker(
    worker_settings, aws, store, machine, synth_worker, speech, tmp_path
):
    registry = synth_worker.handler.registry
    assert set(registry.served_model_types()) == set(ModelType) - {ModelType.ELEVENLABS, ModelType.OPENAI, ModelType.AZURE}
    cache = registry.models

    # a YourTTS voice: the d-vector of real speech, stored as training would store it
    yourtts = registry.engine_for("yourtts")
    clips = [TrainingClip(u.path, u.duration_s, "en", u.transcript) for u in speech[:2]]
    made = yourtts.create_voice("yourtts", clips, FineTuneConfig(), lambda fraction, stage: None,
                                tmp_path)
    keys = upload_voice(aws, worker_settings.models_bucket, USER, "voice_y", made.files)
    result = _speak(machine, synth_worker, store, worker_settings, "tts_yourtts", "voice_y", "yourtts", keys)
    audio, rate = _decoded(aws, worker_settings, result["output_key"])
    assert rate == 24000 and len(audio) / rate == pytest.approx(result["duration_s"], abs=0.05) and result["duration_s"] > 0.3

    # a Bark catalogue voice: its prompt files in base/bark/speakers/, as mark-processing sends them
    refresh_engine_status(store, worker_settings, aws.client("s3"))
    entry = next(e for e in store.engine_status.snapshot().weights["bark"].catalogue if e.provider_voice_id == BARK_PRESET)
    result = _speak(machine, synth_worker, store, worker_settings, "tts_bark",
                    catalogue_voice_id(ModelType.BARK, BARK_PRESET), "bark", entry.artifact_keys)
    audio, rate = _decoded(aws, worker_settings, result["output_key"])
    assert rate == 24000 and 0.1 < result["duration_s"] <= 0.3 + 0.05
    assert synth_worker.outcomes["succeeded"] == 2

    # both models were loaded on first use, through the LRU
    assert cache.loaded() == ["yourtts", "bark"] and cache.stats.loads == 2
    # XTTS next: it does not fit beside both, so the least recently used (YourTTS) goes first
    registry.engine_for("xtts_v2_instant")
    assert cache.loaded()[-1] == "xtts" and not yourtts.is_loaded and cache.stats.unloads >= 1
    assert cache.used_bytes() <= cache.budget_bytes or cache.loaded() == ["xtts"]


def test_the_worker_registers_what_it_serves_and_the_listing_shows_it_available(
    worker_settings, aws, store, synth_worker, queue_url
):
    refresh_engine_status(store, worker_settings, aws.client("s3"))  # weights in place: base/yourtts/, base/bark/
    before = {e.model_type: e for e in available_models(store, worker_settings, USER).engines}
    assert before[ModelType.YOURTTS].unavailable_reason == "no worker serving it"

    # as build_worker makes it: single jobs and batch groups from the one synth queue
    queue_handler = SynthQueueHandler(synth_worker.handler, BatchSynthHandler(synth_worker.handler, store))
    registration = resources.register_engines(make_worker(queue_handler, queue_url, store, aws), worker_settings)
    assert registration is not None
    registration()
    try:
        engines = {e.model_type: e for e in available_models(store, worker_settings, USER).engines}
        for model_type in (ModelType.YOURTTS, ModelType.BARK, ModelType.XTTS_V2_INSTANT):
            assert model_type in registration.model_types
        assert engines[ModelType.YOURTTS].available and engines[ModelType.BARK].available
        voices = {v.voice_model_id for v in available_models(store, worker_settings, USER).voices}
        assert catalogue_voice_id(ModelType.BARK, BARK_PRESET) in voices
    finally:
        registration.withdraw()
    after = {e.model_type: e for e in available_models(store, worker_settings, USER).engines}
    assert not after[ModelType.BARK].available


def test_a_worker_without_their_weights_serves_neither(settings, aws, tmp_path):
    bare = settings.model_copy(update={"model_cache_dir": str(tmp_path / "models"), "worker_device": "cpu"})
    registry = resources.engine_registry(bare, tiny_xtts_dir(), aws.client("s3"))
    assert set(registry.served_model_types()) == {ModelType.XTTS_V2, ModelType.XTTS_V2_INSTANT}
    from voiceclone.engines.base import ModelUnavailable

    with pytest.raises(ModelUnavailable, match="does not serve bark: its weights are not in place"):
        registry.engine_for("bark")
