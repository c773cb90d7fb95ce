"""Audio as a provider returns it, with what is needed to decode it (raw formats have no header)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RawEncoding:
    """Headerless mono samples: soundfile's RAW subtype (PCM_16, ULAW, ALAW), little-endian."""

    subtype: str
    sample_rate: int


@dataclass(frozen=True)
class ProviderAudio:
    provider: str
    data: bytes
    format: str  # the provider's own name for it (mp3_44100_128, riff-24khz-16bit-mono-pcm, wav...)
    raw: RawEncoding | None = None  # None: a container (WAV, MP3, OGG, FLAC) sniffed from the bytes
    request_id: str | None = None
