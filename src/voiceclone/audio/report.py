"""What the analysis reports: file facts, measurements and the verdicts (pydantic, stored with the sample).

`AudioMetrics` and `Verdict` live in `voiceclone.domain.sample_verdict` (pure python, so the API can
re-judge a stored sample); they are re-exported here for the audio code's callers.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from voiceclone.audio.codecs import AudioInfo
from voiceclone.domain.sample_verdict import AudioMetrics, Verdict

__all__ = ["AnalysisReport", "AudioMetrics", "Verdict"]


class AnalysisReport(BaseModel):
    info: AudioInfo
    metrics: AudioMetrics
    verdict: Verdict = Field(description="for the quality target analysis was asked for (medium by default)")
    verdicts: dict[str, Verdict] = Field(default_factory=dict, description="one per quality target")

    def sample_quality(self) -> dict[str, Any]:
        """The `quality` document stored with a voice sample: every metric (so `AudioMetrics` can be
        rebuilt from it), the SampleQuality fields, and the verdict of each quality target."""
        metrics = self.metrics.model_dump()
        return {
            **metrics,
            "pitch": metrics["pitch_median_hz"],
            "quality_score": self.verdict.quality_score,
            "advice": self.verdict.advice,
            "verdicts": {target: verdict.model_dump(mode="json") for target, verdict in self.verdicts.items()},
        }

    def sample_metadata(self) -> dict[str, Any]:
        return {
            "duration_s": self.info.duration_s,
            "sample_rate": self.info.sample_rate,
            "channels": self.info.channels,
            "format": str(self.info.format),
            "size_bytes": self.info.size_bytes,
        }
