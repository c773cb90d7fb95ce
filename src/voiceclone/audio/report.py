"""What the analysis reports: file facts, measurements and the verdict (pydantic, stored with the sample)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from voiceclone.audio.codecs import AudioInfo


class AudioMetrics(BaseModel):
    """Measurements of one recording; levels are dBFS / LUFS / dBTP, ratios are 0..1."""

    duration_s: float
    speech_duration_s: float
    speech_ratio: float = Field(description="share of 20 ms frames holding speech")
    snr_db: float = Field(description="speech power over noise power (noise: quietest 1 % of frames)")
    noise_floor_dbfs: float
    dynamic_range_db: float = Field(description="loud frames (95th percentile) over the noise floor")
    loudness_lufs: float | None = Field(description="integrated loudness, ITU-R BS.1770-4; None when silent")
    true_peak_dbtp: float | None
    peak_dbfs: float | None
    clipping_ratio: float = Field(description="share of samples stuck at full scale in runs of 2 or more")
    dc_offset: float = Field(description="largest channel mean, in full-scale units")
    bandwidth_hz: float = Field(description="highest frequency with energy within 50 dB of the spectral peak")
    channel_correlation: float | None = Field(description="lowest correlation of a channel with the first")
    nonfinite_ratio: float = Field(description="share of NaN/Inf samples (float files)")
    leading_silence_s: float
    trailing_silence_s: float
    longest_pause_s: float = Field(description="longest gap between speech segments")
    pitch_median_hz: float | None
    pitch_p5_hz: float | None
    pitch_p95_hz: float | None
    pitch_spread_semitones: float | None = Field(description="p5..p95 f0 range in semitones")
    voiced_ratio: float = Field(description="share of speech frames with a clear pitch")
    words_per_minute: float | None = Field(default=None, description="only when a transcript is given")


class Verdict(BaseModel):
    suitable_for_training: bool
    quality_score: float = Field(ge=0, le=1)
    reasons: list[str] = Field(default_factory=list, description="blocking problems, each with a fix")
    advice: list[str] = Field(default_factory=list, description="non-blocking findings")


class AnalysisReport(BaseModel):
    info: AudioInfo
    metrics: AudioMetrics
    verdict: Verdict

    def sample_quality(self) -> dict[str, Any]:
        """The `quality` document stored with a voice sample (SampleQuality fields plus the rest)."""
        metrics = self.metrics.model_dump()
        return {
            **metrics,
            "pitch": metrics["pitch_median_hz"],
            "quality_score": self.verdict.quality_score,
            "advice": self.verdict.advice,
        }

    def sample_metadata(self) -> dict[str, Any]:
        return {
            "duration_s": self.info.duration_s,
            "sample_rate": self.info.sample_rate,
            "channels": self.info.channels,
            "format": str(self.info.format),
            "size_bytes": self.info.size_bytes,
        }
