"""The registry through the API: engines with their availability (from engine_status), catalogue voices,
/info for an engine and a voice, generate's checks against the engine, training's refusal of engines
that cannot clone. engine_status records are written as the refresh writes them (its own test runs it
against the providers' fakes: tests/workflows/test_catalogue_voices.py)."""

from __future__ import annotations

import pytest

from tests.integration.api.conftest import make_ready_sample, make_ready_voice
from voiceclone.domain.availability import NO_KEY, NO_WEIGHTS, NOT_PROBED, CatalogueEntry, EngineProbeRecord
from voiceclone.domain.registry import REGISTRY, ModelType
from voiceclone.domain.timeutil import utcnow

USER = "alice"


def _probe(store, model_type: ModelType, available: bool = True, reason: str | None = None, voices=()):
    store.engine_status.record_probe(EngineProbeRecord(
        model_type=model_type, available=available, reason=reason, checked_at=utcnow(),
        catalogue=[CatalogueEntry(provider_voice_id=v, name=v.capitalize(), language="en-US") for v in voices],
    ))


def test_engines_are_listed_with_availability_and_catalogue_voices(api, store):
    own = make_ready_voice(store, USER, name="Mine")
    _probe(store, ModelType.OPENAI, voices=("alloy", "nova"))
    _probe(store, ModelType.ELEVENLABS, available=False, reason=NO_KEY)
    listing = api.get("/api/tts/models/available")
    assert listing.status == 200
    engines = {e["model_type"]: e for e in listing.json["engines"]}
    assert set(engines) == set(ModelType)
    assert engines["openai"]["available"] is True and engines["openai"]["unavailable_reason"] is None
    assert engines["elevenlabs"]["unavailable_reason"] == NO_KEY
    assert engines["azure"]["unavailable_reason"] == NOT_PROBED
    assert engines["bark"]["unavailable_reason"] == NO_WEIGHTS
    assert engines["openai"]["price"]["usd_per_1k_characters"] == REGISTRY[ModelType.OPENAI].price.usd_per_1k_characters
    voices = {v["voice_model_id"]: v for v in listing.json["voices"]}
    assert set(voices) == {own, "openai:alloy", "openai:nova"}
    assert voices[own]["source"] == "own" and voices["openai:nova"]["source"] == "catalogue"


def test_info_of_an_engine_and_of_a_catalogue_voice(api, store):
    _probe(store, ModelType.OPENAI, voices=("alloy",))
    engine = api.get("/api/tts/models/azure/info")
    assert engine.status == 200 and engine.json["kind"] == "engine"
    assert engine.json["engine"]["runs_on"] == "remote_api" and engine.json["price"]["verify"] is True
    voice = api.get("/api/tts/models/openai:alloy/info").json
    assert voice["kind"] == "voice" and voice["voice"]["name"] == "Alloy" and voice["engine"]["available"]
    assert api.get("/api/tts/models/openai:nobody/info").status == 404


def test_generate_refuses_a_catalogue_voice_whose_engine_is_not_usable(api, store, state_machines):
    _probe(store, ModelType.OPENAI, available=False, reason="the provider refused the platform's key (HTTP 401)",
           voices=("alloy",))
    response = api.post("/api/tts/generate", body={"text": "Hello there.", "voice_model_id": "openai:alloy"})
    assert response.status == 409 and response.error_code == "engine_unavailable"
    assert "HTTP 401" in response.json["error"]["message"]
    unknown = api.post("/api/tts/generate", body={"text": "Hello there.", "voice_model_id": "openai:nobody"})
    assert unknown.status == 404


def test_generate_on_a_catalogue_voice_is_charged_at_its_engines_price(api, store, state_machines):
    _probe(store, ModelType.OPENAI, voices=("alloy",))
    text = "Hello from a preset voice."
    response = api.post("/api/tts/generate", body={"text": text, "voice_model_id": "openai:alloy"})
    assert response.status == 202, response.body
    job = store.tts.get(USER, response.json["job_id"])
    assert job.engine == "openai" and job.voice_model_id == "openai:alloy"
    price = REGISTRY[ModelType.OPENAI].price.usd_per_1k_characters
    assert job.estimated_cost_usd == pytest.approx(len(text) / 1000 * price)


def test_generate_checks_the_engines_character_limit(api, store, state_machines):
    store.users.get_or_create(USER)
    store.users.set_plan(USER, "pro")  # 5 000 characters a request: above openai's 4 096
    _probe(store, ModelType.OPENAI, voices=("alloy",))
    response = api.post("/api/tts/generate", body={"text": "word " * 900, "voice_model_id": "openai:alloy"})
    assert response.status == 422 and "at most 4096 characters" in response.json["error"]["message"]


@pytest.mark.parametrize(("model_type", "why"), [("bark", "cannot clone a voice"), ("openai", "cannot clone a voice"),
                                                 ("elevenlabs", "no API key configured"), ("yourtts", "does not run it yet")])
def test_training_refuses_model_types_without_a_training_step(api, store, state_machines, model_type, why):
    sample = make_ready_sample(store, USER, duration_s=30.0)
    body = {"voice_name": "V", "sample_ids": [sample], "training_config": {"model_type": model_type}}
    response = api.post("/api/training/start", body=body)
    assert response.status == 422 and why in response.json["error"]["message"]
    suitable = api.get("/api/training/samples/suitable", query={"model_type": model_type})
    assert suitable.status == 422 and why in suitable.json["error"]["message"]
    assert store.voices.collection.count_documents({"user_id": USER}) == 0
