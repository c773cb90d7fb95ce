"""Instant voice cloning through ElevenLabs from the user's enhanced clips (samples bucket), and the
remote voice's deletion when the platform's voice is deleted."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any

from voiceclone.domain.samples import AUDIO_CONTENT_TYPES
from voiceclone.engines.remote.elevenlabs import ElevenLabs, SampleFile

# Our own cap: instant cloning wants a minute or two of clean speech; more clips only add upload time.
MAX_CLONE_CLIPS = 25


def clone_from_clips(
    client: ElevenLabs,
    s3: Any,
    bucket: str,
    clip_keys: Sequence[str],
    name: str,
    *,
    description: str | None = None,
    language: str | None = None,
) -> str:
    """The new ElevenLabs voice id, cloned from the first MAX_CLONE_CLIPS clips (enhanced WAVs)."""
    if not clip_keys:
        raise ValueError("no enhanced clips to clone the voice from")
    files = []
    for key in clip_keys[:MAX_CLONE_CLIPS]:
        data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        path = PurePosixPath(key)
        # the clip's sample folder keeps file names unique: prepared/{user}/{job}/{sample}/clip_NNN.wav
        filename = f"{path.parent.name}_{path.name}" if path.parent.name else path.name
        files.append(SampleFile(filename, data, AUDIO_CONTENT_TYPES.get(path.suffix.lower().lstrip("."), "audio/wav")))
    labels = {"language": language} if language else None
    return client.add_voice(name, files, description=description, labels=labels)


def delete_remote_voice(client: ElevenLabs, provider_voice_id: str) -> bool:
    """True when ElevenLabs deleted it, False when it was already gone."""
    return client.delete_voice(provider_voice_id)
