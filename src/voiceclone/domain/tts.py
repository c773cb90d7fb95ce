"""TTS jobs: text spoken with a voice model into an audio file."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from voiceclone.domain.base import Record
from voiceclone.domain.jobs import JobStatus
from voiceclone.domain.long_form import LanguagePart


class OutputFormat(StrEnum):
    MP3 = "mp3"
    WAV = "wav"
    OGG = "ogg"
    FLAC = "flac"


OUTPUT_CONTENT_TYPES: dict[OutputFormat, str] = {
    OutputFormat.MP3: "audio/mpeg",
    OutputFormat.WAV: "audio/wav",
    OutputFormat.OGG: "audio/ogg",
    OutputFormat.FLAC: "audio/flac",
}


class StreamFormat(StrEnum):
    """What real-time speech streams (voiceclone.realtime): raw PCM, a streamed WAV, and FFmpeg's codecs."""

    PCM = "pcm"
    WAV = "wav"
    MP3 = "mp3"
    OPUS = "opus"
    AAC = "aac"
    FLAC = "flac"


STREAM_CONTENT_TYPES: dict[StreamFormat, str] = {
    StreamFormat.PCM: "audio/pcm",
    StreamFormat.WAV: "audio/wav",
    StreamFormat.MP3: "audio/mpeg",
    StreamFormat.OPUS: "audio/ogg",
    StreamFormat.AAC: "audio/aac",
    StreamFormat.FLAC: "audio/flac",
}


class VoiceSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stability: float = Field(default=0.75, ge=0.0, le=1.0, strict=True)
    similarity_boost: float = Field(default=0.75, ge=0.0, le=1.0, strict=True)
    style: float = Field(default=0.0, ge=0.0, le=1.0, strict=True)
    speed: float = Field(default=1.0, ge=0.5, le=2.0, strict=True)


class TtsJob(Record):
    job_id: str
    voice_model_id: str
    engine: str
    text: str
    characters: int
    language: str = "en"
    language_detected: bool = False  # `language` found in the text (the request gave none)
    language_confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    language_parts: list[LanguagePart] = Field(default_factory=list)  # runs in other languages; empty: one
    style_sample_id: str | None = None  # a sample of the same user whose prosody the voice takes on
    style_instructions: str | None = None  # free-text style for engines that take instructions
    output_format: OutputFormat = OutputFormat.MP3
    voice_settings: VoiceSettings = Field(default_factory=VoiceSettings)
    status: JobStatus = JobStatus.PENDING
    progress: float = Field(default=0.0, ge=0.0, le=1.0)
    stage: str | None = None
    estimated_duration_s: float | None = None
    estimated_cost_usd: float | None = None
    actual_duration_s: float | None = None
    actual_cost_usd: float | None = None
    quality_score: float | None = Field(default=None, ge=0.0, le=1.0)
    quality: dict[str, Any] | None = None  # voiceclone.quality.report.ResultQuality, from the synth worker
    output_key: str | None = None
    output_expired: bool = False
    error_message: str | None = None
    execution_arn: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    deadline_at: datetime | None = None
