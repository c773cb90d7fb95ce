"""Configurable limits on what the audio pipeline accepts (checked before any decoding)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from voiceclone.audio.errors import TooLarge, TooLong, UnsupportedAudio


class AudioLimits(BaseModel):
    """Defaults suit voice samples; the Lambdas build them from `Settings` (audio_max_* fields)."""

    model_config = ConfigDict(frozen=True)

    max_bytes: int = Field(default=200 * 1024 * 1024, gt=0)
    max_duration_s: float = Field(default=30 * 60, gt=0)
    min_sample_rate: int = Field(default=4_000, gt=0)
    max_sample_rate: int = Field(default=192_000, gt=0)
    max_channels: int = Field(default=8, gt=0)

    def check_size(self, size_bytes: int) -> None:
        if size_bytes > self.max_bytes:
            raise TooLarge(
                f"file is {size_bytes / 1e6:.1f} MB, the limit is {self.max_bytes / 1e6:.1f} MB: "
                "upload a shorter recording or a compressed format (FLAC, OGG, MP3)"
            )

    def check_stream(self, sample_rate: int, channels: int, duration_s: float) -> None:
        if not self.min_sample_rate <= sample_rate <= self.max_sample_rate:
            raise UnsupportedAudio(
                f"sample rate {sample_rate} Hz is outside {self.min_sample_rate}-{self.max_sample_rate} Hz: "
                "export at 44.1 or 48 kHz"
            )
        if channels > self.max_channels:
            raise UnsupportedAudio(
                f"{channels} channels, at most {self.max_channels} are accepted: export mono or stereo"
            )
        if duration_s > self.max_duration_s:
            raise TooLong(
                f"recording is {duration_s / 60:.1f} min, the limit is {self.max_duration_s / 60:.1f} min: "
                "split it into shorter samples"
            )
