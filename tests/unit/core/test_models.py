"""Domain models: seed request shapes, plan limits, pricing estimates, ids, sample usability, errors."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from voiceclone.domain import errors
from voiceclone.domain.ids import new_id
from voiceclone.domain.pricing import estimate_tts
from voiceclone.domain.registry import REGISTRY
from voiceclone.domain.samples import SampleStatus, VoiceSample
from voiceclone.domain.training import TrainingConfig
from voiceclone.domain.tts import VoiceSettings
from voiceclone.domain.users import PLANS, User, limits_for
from voiceclone.domain.voices import Visibility, VoiceModel, VoiceStatus
from voiceclone.services.training import StartTrainingRequest
from voiceclone.services.tts import GenerateRequest


def test_seed_training_example_parses():
    request = StartTrainingRequest.model_validate(
        {"voice_name": "My Voice", "sample_ids": ["smp_1"],
         "training_config": {"model_type": "xtts_v2", "epochs": 100, "quality_target": "high"}}
    )
    assert request.training_config.epochs == 100 and request.training_config.batch_size == 4


def test_seed_tts_example_parses():
    request = GenerateRequest.model_validate(
        {"text": " Hi. ", "voice_model_id": "voice_1", "output_format": "mp3",
         "voice_settings": {"stability": 0.75, "similarity_boost": 0.8, "style": 0.2}}
    )
    assert request.text == "Hi." and request.voice_settings.speed == 1.0


@pytest.mark.parametrize("config", [{"epochs": 0}, {"model_type": "vits"}, {"learning_rate": 0}, {"x": 1}])
def test_bad_training_config_rejected(config):
    with pytest.raises(ValidationError):
        TrainingConfig.model_validate(config)


def test_voice_settings_ranges():
    with pytest.raises(ValidationError):
        VoiceSettings(stability=1.5)
    assert VoiceSettings(speed=2.0).speed == 2.0


def test_plans_grow_and_unknown_plan_falls_back_to_free():
    assert PLANS["free"].monthly_characters < PLANS["pro"].monthly_characters < PLANS["enterprise"].monthly_characters
    assert limits_for("mystery") == PLANS["free"]


def test_user_usage_for_month():
    user = User(user_id="u", usage={"2025-03": {"characters": 42, "tts_jobs": 2, "job_ids": ["a", "b"]}})
    assert user.usage_for("2025-03").characters == 42
    assert user.usage_for("2025-04").characters == 0


def test_estimate_scales_with_text_speed_and_engine():
    short, long = estimate_tts("xtts_v2", 150), estimate_tts("xtts_v2", 1500)
    assert long.cost_usd == pytest.approx(short.cost_usd * 10)
    assert short.audio_duration_s == pytest.approx(10.0)
    assert estimate_tts("xtts_v2", 150, speed=2.0).audio_duration_s == pytest.approx(5.0)
    for model_type, spec in REGISTRY.items():  # every engine is charged at its registry price
        assert estimate_tts(model_type, 1000).cost_usd == pytest.approx(spec.price.usd_per_1k_characters)
    assert {"xtts_v2", "xtts_v2_instant", "elevenlabs", "openai", "azure", "yourtts", "bark"} == set(REGISTRY)


def test_ids_are_prefixed_unique_and_valid_execution_names():
    ids = {new_id("trn") for _ in range(1000)}
    assert len(ids) == 1000
    sample = next(iter(ids))
    assert sample.startswith("trn_") and len(sample) <= 80 and sample.replace("_", "").isalnum()


def test_sample_usability_reasons():
    base = {"sample_id": "s", "user_id": "u", "name": "n", "filename": "f.wav", "content_type": "audio/wav", "s3_key": "k"}
    assert "not ready" in VoiceSample(**base).unusable_reason()
    rejected = VoiceSample(**base, status=SampleStatus.READY, reasons=["clipping"])
    assert "clipping" in rejected.unusable_reason()
    assert VoiceSample(**base, status=SampleStatus.READY, suitable_for_training=True).unusable_reason() is None


def test_voice_usable_by_owner_or_public():
    voice = VoiceModel(voice_id="v", user_id="alice", name="n", status=VoiceStatus.READY)
    assert voice.usable_by("alice") and not voice.usable_by("bob")
    voice.visibility = Visibility.PUBLIC
    assert voice.usable_by("bob")
    voice.status = VoiceStatus.TRAINING
    assert not voice.usable_by("alice")


def test_errors_carry_http_codes_and_name_limits():
    assert errors.NotFound("sample", "smp_1").status_code == 404
    quota = errors.QuotaExceeded("monthly_characters", 10_000, "used up")
    assert quota.status_code == 429 and "monthly_characters" in quota.message
    assert errors.LimitExceeded("max_voices", 3, "too many").status_code == 403
    assert errors.Gone("x").status_code == 410 and errors.PayloadTooLarge("x").status_code == 413
