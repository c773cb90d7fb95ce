"""Views of the engines (registry rows with their availability) and the voices one can speak with."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from voiceclone.domain.registry import EngineSpec, Price
from voiceclone.domain.voices import Visibility, VoiceStatus
from voiceclone.services.views.base import View


class VoiceSource(StrEnum):
    OWN = "own"
    PUBLIC = "public"  # another user's public voice
    CATALOGUE = "catalogue"  # a provider's preset voice (OpenAI, Azure, Bark speaker prompts)


class EngineView(EngineSpec):
    """A registry row with its availability (from engine_status, checked off the request path)."""

    available: bool
    unavailable_reason: str | None = Field(
        default=None, examples=["no API key configured", "weights not in place", "no worker serving it"]
    )
    checked_at: datetime | None = None


class AvailableVoice(View):
    voice_id: str = Field(description="the voice_model_id /api/tts/generate takes (e.g. openai:alloy for a catalogue voice)")
    voice_model_id: str
    name: str
    source: VoiceSource
    engine: str
    model_type: str
    languages: list[str]
    visibility: Visibility
    owned: bool
    status: VoiceStatus
    available: bool  # its engine's availability
    gender: str | None = None
    usd_per_1k_characters: float


class AvailableModels(View):
    voices: list[AvailableVoice]
    engines: list[EngineView]


class ModelInfo(View):
    """An engine's (model_id = a model type) or a voice's full specification and price."""

    model_id: str
    kind: str = Field(examples=["engine", "voice"])
    engine: EngineView
    price: Price
    voice: AvailableVoice | None = None
    created_at: datetime | None = None
    quality_report: dict[str, Any] | None = None
