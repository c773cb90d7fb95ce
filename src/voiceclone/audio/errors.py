"""The audio errors, defined in `voiceclone.domain.audio_errors` (light, so every step can name them)."""

from voiceclone.domain.audio_errors import (
    AudioError,
    CorruptAudio,
    EmptyAudio,
    NotAudio,
    TooLarge,
    TooLong,
    UnsupportedAudio,
)

__all__ = ["AudioError", "CorruptAudio", "EmptyAudio", "NotAudio", "TooLarge", "TooLong", "UnsupportedAudio"]
