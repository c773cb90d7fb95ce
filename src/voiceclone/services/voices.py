"""Voices: list own, read (own or public), rename / change visibility, delete with artifacts."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from voiceclone import blobs
from voiceclone.config import Settings
from voiceclone.domain.errors import NotFound
from voiceclone.domain.voices import PROVIDER_VOICE_ARTIFACT, Visibility, VoiceStatus
from voiceclone.services.views.base import Page
from voiceclone.services.views.voices import VoiceView
from voiceclone.store import Store
from voiceclone.store.voices import VoiceRepository  # noqa: F401  a repository used here: loads with the module


class UpdateVoiceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"minProperties": 1})

    name: str | None = Field(default=None, min_length=1, max_length=100)
    visibility: Visibility | None = None

    @model_validator(mode="after")
    def _something(self) -> UpdateVoiceRequest:
        if self.name is None and self.visibility is None:
            raise ValueError("give name and/or visibility")
        return self


def list_voices(
    store: Store,
    user_id: str,
    limit: int,
    cursor: str | None,
    status: VoiceStatus | None,
    visibility: Visibility | None = None,
) -> Page[VoiceView]:
    """Your voices; with visibility=public, every public voice (yours and others'), ready to speak."""
    if visibility == Visibility.PUBLIC:
        page = store.voices.list_public(limit=limit, cursor=cursor)
    else:
        page = store.voices.list(
            user_id, limit=limit, cursor=cursor, status=status and str(status), visibility=visibility and str(visibility)
        )
    return Page[VoiceView](items=[VoiceView.for_user(v, user_id) for v in page.items], next_cursor=page.next_cursor)


def get_voice(store: Store, user_id: str, voice_id: str) -> VoiceView:
    voice = store.voices.find_visible(user_id, voice_id)
    if voice is None:
        raise NotFound("voice", voice_id)
    return VoiceView.for_user(voice, user_id)


def update_voice(store: Store, user_id: str, voice_id: str, request: UpdateVoiceRequest) -> VoiceView:
    voice = store.voices.update(user_id, voice_id, name=request.name, visibility=request.visibility)
    return VoiceView.for_user(voice, user_id)


def delete_voice(store: Store, settings: Settings, user_id: str, voice_id: str) -> None:
    """Mark the voice deleted, then remove its artifacts from the models bucket and, for a voice cloned
    at a remote engine, the provider's voice (best effort, logged)."""
    voice = store.voices.delete(user_id, voice_id)
    blobs.delete_prefix(settings.models_bucket, blobs.voice_prefix(user_id, voice_id))
    for name, key in voice.artifact_keys.items():
        if name != PROVIDER_VOICE_ARTIFACT and not key.startswith(blobs.voice_prefix(user_id, voice_id)):
            blobs.delete_object(settings.models_bucket, key)
    if PROVIDER_VOICE_ARTIFACT in voice.artifact_keys:
        from voiceclone.workflows.remote_voices import delete_remote_voice  # only for such voices

        delete_remote_voice(settings, voice)
