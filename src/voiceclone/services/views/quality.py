"""Views of a voice's quality report and of a sample-to-voice similarity check."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from voiceclone.domain.voices import VoiceStatus
from voiceclone.quality.report import VoiceQualityReport
from voiceclone.services.views.base import View


class VoiceQualityView(View):
    voice_id: str
    status: VoiceStatus
    evaluated: bool
    message: str | None = Field(default=None, description="why there is no report, when there is none")
    report: VoiceQualityReport | None = None
    training: dict[str, Any] = Field(default_factory=dict, description="the training's own figures (steps, loss...)")


class SimilarityView(View):
    voice_id: str
    sample_id: str
    encoder: str
    score: float = Field(description="cosine similarity (SECS) of the sample's and the voice's speaker embeddings")
    same_speaker_probability: float = Field(ge=0, le=1, description="calibrated on real speakers")
    same_speaker: bool = Field(description="score at or above the equal-error-rate threshold")
    threshold: float
