"""Voices: list own, read (own or public), rename / change visibility, delete with artifacts."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from voiceclone import blobs
from voiceclone.config import Settings
from voiceclone.domain.errors import NotFound
from voiceclone.domain.voices import Visibility, VoiceStatus
from voiceclone.services.views import page_view, public
from voiceclone.store import Store


class UpdateVoiceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=100)
    visibility: Visibility | None = None

    @model_validator(mode="after")
    def _something(self) -> UpdateVoiceRequest:
        if self.name is None and self.visibility is None:
            raise ValueError("give name and/or visibility")
        return self


def list_voices(store: Store, user_id: str, limit: int, cursor: str | None, status: VoiceStatus | None) -> dict[str, Any]:
    return page_view(store.voices.list(user_id, limit=limit, cursor=cursor, status=status and str(status)))


def get_voice(store: Store, user_id: str, voice_id: str) -> dict[str, Any]:
    voice = store.voices.find_visible(user_id, voice_id)
    if voice is None:
        raise NotFound("voice", voice_id)
    if voice.user_id != user_id:  # someone else's public voice: no internals
        return public(voice, exclude={"artifact_keys", "sample_ids", "training_job_id", "user_id"})
    return public(voice)


def update_voice(store: Store, user_id: str, voice_id: str, request: UpdateVoiceRequest) -> dict[str, Any]:
    return public(store.voices.update(user_id, voice_id, name=request.name, visibility=request.visibility))


def delete_voice(store: Store, settings: Settings, user_id: str, voice_id: str) -> None:
    """Mark the voice deleted, then remove its artifacts from the models bucket."""
    voice = store.voices.delete(user_id, voice_id)
    blobs.delete_prefix(settings.models_bucket, blobs.voice_prefix(user_id, voice_id))
    for key in voice.artifact_keys.values():
        if not key.startswith(blobs.voice_prefix(user_id, voice_id)):
            blobs.delete_object(settings.models_bucket, key)
