"""Voice models: a trained (or instant) voice a user can synthesise with."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

from voiceclone.domain.base import Record
from voiceclone.domain.model_types import ModelType

# A voice cloned at a remote engine keeps the provider's voice id under this name among its artifact keys.
PROVIDER_VOICE_ARTIFACT = "provider_voice_id"


class VoiceStatus(StrEnum):
    TRAINING = "training"
    READY = "ready"
    FAILED = "failed"
    DELETED = "deleted"


class Visibility(StrEnum):
    PRIVATE = "private"
    PUBLIC = "public"


class VoiceModel(Record):
    voice_id: str
    name: str
    engine: str = "xtts"
    # A self-hosted model type (ModelType) or a remote engine's name: remote voices have no ModelType.
    model_type: str = ModelType.XTTS_V2
    status: VoiceStatus = VoiceStatus.TRAINING
    visibility: Visibility = Visibility.PRIVATE
    languages: list[str] = Field(default_factory=lambda: ["en"])
    artifact_keys: dict[str, str] = Field(default_factory=dict)
    quality_report: dict[str, Any] | None = None
    training_job_id: str | None = None
    sample_ids: list[str] = Field(default_factory=list)
    error_message: str | None = None

    def usable_by(self, user_id: str) -> bool:
        """A ready voice may speak for its owner, or for anyone when public."""
        if self.status != VoiceStatus.READY:
            return False
        return self.user_id == user_id or self.visibility == Visibility.PUBLIC
