"""The cost and duration of a TTS job before it runs, from the registry's price and real-time factor."""

from __future__ import annotations

from pydantic import BaseModel

from voiceclone.domain.registry import CHARACTERS_PER_SECOND, REGISTRY, EngineSpec, ModelType, Price


class TtsEstimate(BaseModel):
    audio_duration_s: float
    processing_s: float
    cost_usd: float


def spec_for(model_type: str) -> EngineSpec:
    """The registry row of a model type; ValueError for a name the registry does not hold."""
    return REGISTRY[ModelType(model_type)]


def pricing_for(model_type: str) -> Price:
    return spec_for(model_type).price


def charge_usd(model_type: str, characters: int) -> float:
    return round(characters / 1000 * pricing_for(model_type).usd_per_1k_characters, 6)


def estimate_tts(model_type: str, characters: int, speed: float = 1.0) -> TtsEstimate:
    spec = spec_for(model_type)
    audio_s = characters / CHARACTERS_PER_SECOND / speed
    return TtsEstimate(
        audio_duration_s=round(audio_s, 2),
        processing_s=round(audio_s * spec.realtime_factor, 2),
        cost_usd=charge_usd(model_type, characters),
    )
