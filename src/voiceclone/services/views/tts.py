"""Views of TTS jobs and their results."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from voiceclone.domain.jobs import JobStatus
from voiceclone.domain.long_form import LanguagePart
from voiceclone.domain.tts import OutputFormat, VoiceSettings
from voiceclone.quality.report import ResultQuality
from voiceclone.services.views.base import View, ViewModel


class TtsJobView(ViewModel):
    job_id: str
    voice_model_id: str
    engine: str
    text: str
    characters: int
    language: str
    language_detected: bool = Field(default=False, description="true: found in the text (the request gave none)")
    language_confidence: float | None = Field(default=None, description="the detector's, when detected")
    language_parts: list[LanguagePart] = Field(
        default_factory=list, description="runs of the text by language [start, end) when it mixes languages")
    style_sample_id: str | None = None
    style_instructions: str | None = None
    output_format: OutputFormat
    voice_settings: VoiceSettings
    status: JobStatus
    progress: float
    stage: str | None = None
    estimated_duration_s: float | None = None
    estimated_cost_usd: float | None = None
    actual_duration_s: float | None = None
    actual_cost_usd: float | None = None
    quality_score: float | None = None
    output_expired: bool = False
    error_message: str | None = None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    completed_at: datetime | None = None


class TtsResult(View):
    job_id: str
    status: JobStatus
    output_format: OutputFormat
    download_url: str
    expires_in: int
    duration_s: float | None
    cost_usd: float | None
    quality_score: float | None
    characters: int
    quality: ResultQuality | None = Field(default=None, description="measured on this result by the synth worker")
