"""Availability and catalogue voices end to end: the engine-status refresh probes the OpenAI fake and lists
the base weights in moto's models bucket; the listing reads the store; a job on `openai:alloy` (no voice
record) is routed to remote-synthesize with the provider's voice id and charged at openai's price."""

from __future__ import annotations

import json

import pytest

from tests.support.fakes.openai_fake import FakeOpenAi
from voiceclone.domain.availability import NO_KEY, NO_WEIGHTS, NO_WORKER
from voiceclone.domain.jobs import JobStatus
from voiceclone.domain.pricing import pricing_for
from voiceclone.domain.registry import ModelType
from voiceclone.domain.tts import OutputFormat
from voiceclone.engines.remote.keys import ProviderKeys
from voiceclone.engines.remote.openai_tts import VOICES
from voiceclone.services import tts
from voiceclone.workers.registration import EngineRegistration
from voiceclone.workflows.engine_status import refresh_engine_status

from .records import month_characters

USER = "carol"
KEY = "sk-proj-CATALOGUEKEY0123456789"
TEXT = "A preset voice from the provider's catalogue says hello."


@pytest.fixture
def openai_fake(monkeypatch):
    with FakeOpenAi(KEY) as fake:
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        yield fake
    assert fake.violations == []


@pytest.fixture
def refreshed(harness, aws, openai_fake):
    """engine_status as the sweeper leaves it: OpenAI probed with a key, XTTS and Bark weights in the bucket."""
    harness.stack.configure(openai_base_url=openai_fake.base_url)
    s3 = aws.client("s3")
    bucket = harness.settings.models_bucket
    s3.put_object(Bucket=bucket, Key="base/xtts_v2/config.json", Body=b"{}")
    s3.put_object(Bucket=bucket, Key="base/bark/text_2.pt", Body=b"x")
    for part in ("semantic_prompt", "coarse_prompt", "fine_prompt"):
        s3.put_object(Bucket=bucket, Key=f"base/bark/speakers/v2_en_speaker_6_{part}.npy", Body=b"x")
    outcome = refresh_engine_status(harness.store, harness.settings, s3, keys=ProviderKeys(openai=KEY))
    return outcome


def test_the_refresh_records_probes_weights_and_catalogues_without_the_key(harness, refreshed):
    assert refreshed == {"xtts_v2": True, "xtts_v2_instant": True, "yourtts": False, "bark": True,
                         "elevenlabs": False, "openai": True, "azure": False}
    stored = list(harness.store.engine_status.collection.find({}))
    assert KEY not in json.dumps(stored, default=str)
    listing = tts.available_models(harness.store, harness.settings, USER)
    engines = {e.model_type: e for e in listing.engines}
    assert engines[ModelType.OPENAI].available and engines[ModelType.OPENAI].checked_at is not None
    assert engines[ModelType.ELEVENLABS].unavailable_reason == NO_KEY
    assert engines[ModelType.YOURTTS].unavailable_reason == NO_WEIGHTS
    assert engines[ModelType.BARK].unavailable_reason == NO_WORKER  # weights in place, nobody serves it
    voices = {v.voice_model_id: v for v in listing.voices}
    assert {f"openai:{name}" for name in VOICES} | {"bark:v2/en_speaker_6"} == set(voices)
    assert voices["bark:v2/en_speaker_6"].available is False and voices["openai:alloy"].available


def test_a_worker_registration_makes_its_engines_served(harness, refreshed):
    EngineRegistration(harness.store, [ModelType.BARK], interval_s=30, identity="gpu-1")()
    engines = {e.model_type: e for e in tts.available_models(harness.store, harness.settings, USER).engines}
    assert engines[ModelType.BARK].available and engines[ModelType.BARK].unavailable_reason is None
    EngineRegistration(harness.store, [ModelType.BARK], interval_s=30, identity="gpu-1").withdraw()
    engines = {e.model_type: e for e in tts.available_models(harness.store, harness.settings, USER).engines}
    assert engines[ModelType.BARK].unavailable_reason == NO_WORKER


def test_info_gives_an_engines_and_a_catalogue_voices_specification(harness, refreshed):
    engine = tts.model_info(harness.store, harness.settings, USER, "openai")
    assert engine.kind == "engine" and engine.engine.max_characters_per_request == 4096
    assert engine.price.source.startswith("https://") and engine.price.verify
    voice = tts.model_info(harness.store, harness.settings, USER, "openai:nova")
    assert voice.kind == "voice" and voice.voice is not None and voice.voice.name == "Nova"


def test_a_catalogue_voice_speaks_through_remote_synthesize(harness, aws, refreshed, openai_fake):
    request = tts.GenerateRequest(text=TEXT, voice_model_id="openai:coral", output_format=OutputFormat.WAV)
    view = tts.generate(harness.store, harness.settings, USER, request)
    job = harness.store.tts.get(USER, view.job_id)
    assert job.engine == ModelType.OPENAI and job.voice_model_id == "openai:coral"
    assert job.estimated_cost_usd == pytest.approx(len(TEXT) / 1000 * pricing_for("openai").usd_per_1k_characters)
    described = harness.wait_execution(job.execution_arn)
    assert described["status"] == "SUCCEEDED", described
    done = harness.store.tts.get(USER, job.job_id)
    assert done.status == JobStatus.COMPLETED and done.actual_cost_usd == pytest.approx(job.estimated_cost_usd)
    assert month_characters(harness.store, USER) == len(TEXT)
    (speech,) = [r for r in openai_fake.requests if r.path.endswith("/audio/speech")]
    assert json.loads(speech.body)["voice"] == "coral"
