"""Why a file could not be analysed: each error names the problem and what the uploader can do.

In the domain (no numpy) because the light fail-job step must recognise them as user-facing.
"""

from __future__ import annotations

from voiceclone.domain.errors import UserFacingError


class AudioError(UserFacingError):
    """Base class: `code` is stable (API/store), `message` is for a person."""

    code = "audio_error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAudio(AudioError):
    """The bytes are not a recognisable audio file (text, random data, empty)."""

    code = "not_audio"


class CorruptAudio(AudioError):
    """An audio container whose header or data is damaged (truncated upload, bad header)."""

    code = "corrupt_audio"


class UnsupportedAudio(AudioError):
    """Real audio in a format, sample rate or channel layout we do not accept."""

    code = "unsupported_audio"


class EmptyAudio(AudioError):
    """A valid container holding no audio frames."""

    code = "empty_audio"


class TooLarge(AudioError):
    """The file exceeds the configured size limit."""

    code = "too_large"


class TooLong(AudioError):
    """The recording exceeds the configured duration limit."""

    code = "too_long"
