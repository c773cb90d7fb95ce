"""Voice samples: an uploaded recording, its analysis and whether it may train a voice."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from voiceclone.domain.base import Record

# Content types a presigned upload accepts (the policy lists them; analyze-sample re-checks).
# Only what voiceclone.audio decodes (soundfile: no AAC/M4A, no WebM).
AUDIO_CONTENT_TYPES: dict[str, str] = {
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
}
ACCEPTED_CONTENT_TYPES: frozenset[str] = frozenset(
    set(AUDIO_CONTENT_TYPES.values()) | {"audio/x-wav", "audio/wave", "audio/x-flac", "audio/mp3"}
)


class SampleStatus(StrEnum):
    UPLOADING = "uploading"
    ANALYZING = "analyzing"
    READY = "ready"
    REJECTED = "rejected"


class SampleQuality(BaseModel):
    model_config = ConfigDict(extra="allow")

    snr_db: float | None = None
    speech_ratio: float | None = None
    clipping_ratio: float | None = None
    loudness_lufs: float | None = None
    pitch: float | None = Field(default=None, description="median F0 in Hz")


class SampleMetadata(BaseModel):
    """What analysis measured about the file itself."""

    model_config = ConfigDict(extra="allow")

    duration_s: float | None = None
    sample_rate: int | None = None
    channels: int | None = None
    format: str | None = None
    size_bytes: int | None = None


class VoiceSample(Record):
    sample_id: str
    name: str
    filename: str
    content_type: str
    s3_key: str
    status: SampleStatus = SampleStatus.UPLOADING
    language: str | None = None
    transcript: str | None = None
    duration_s: float | None = None
    sample_rate: int | None = None
    channels: int | None = None
    format: str | None = None
    size_bytes: int | None = None
    quality: SampleQuality | None = None
    suitable_for_training: bool = False
    reasons: list[str] = Field(default_factory=list)

    def unusable_reason(self) -> str | None:
        """Why this sample cannot train a voice, or None when it can."""
        if self.status != SampleStatus.READY:
            return f"status is {self.status}, not ready"
        if not self.suitable_for_training:
            return "not suitable for training: " + ("; ".join(self.reasons) or "no reason recorded")
        return None
