"""Per-engine pricing table: estimated cost and duration of a TTS job before it runs."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from voiceclone.domain.training import ModelType

# Typical speaking rate of read English text.
CHARACTERS_PER_SECOND = 15.0


class EnginePricing(BaseModel):
    model_config = ConfigDict(frozen=True)

    engine: str
    description: str
    usd_per_1k_characters: float
    # Processing seconds per second of audio (real-time factor) on its usual hardware.
    realtime_factor: float
    remote: bool = False


PRICING: dict[str, EnginePricing] = {
    ModelType.XTTS_V2: EnginePricing(
        engine=ModelType.XTTS_V2,
        description="XTTS v2 fine-tuned on your samples (self-hosted GPU)",
        usd_per_1k_characters=0.012,
        realtime_factor=0.3,
    ),
    ModelType.XTTS_V2_INSTANT: EnginePricing(
        engine=ModelType.XTTS_V2_INSTANT,
        description="XTTS v2 zero-shot cloning from reference audio (self-hosted GPU)",
        usd_per_1k_characters=0.008,
        realtime_factor=0.3,
    ),
    "elevenlabs": EnginePricing(
        engine="elevenlabs",
        description="ElevenLabs API",
        usd_per_1k_characters=0.30,
        realtime_factor=0.2,
        remote=True,
    ),
    "openai": EnginePricing(
        engine="openai", description="OpenAI TTS API", usd_per_1k_characters=0.015, realtime_factor=0.2, remote=True
    ),
    "azure": EnginePricing(
        engine="azure",
        description="Azure neural TTS API",
        usd_per_1k_characters=0.016,
        realtime_factor=0.2,
        remote=True,
    ),
}


class TtsEstimate(BaseModel):
    audio_duration_s: float
    processing_s: float
    cost_usd: float


def pricing_for(engine: str) -> EnginePricing:
    return PRICING.get(engine, PRICING[ModelType.XTTS_V2])


def estimate_tts(engine: str, characters: int, speed: float = 1.0) -> TtsEstimate:
    pricing = pricing_for(engine)
    audio_s = characters / CHARACTERS_PER_SECOND / speed
    return TtsEstimate(
        audio_duration_s=round(audio_s, 2),
        processing_s=round(audio_s * pricing.realtime_factor, 2),
        cost_usd=round(characters / 1000 * pricing.usd_per_1k_characters, 6),
    )
