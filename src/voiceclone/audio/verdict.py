"""The verdict on an analysed recording; the rules are `voiceclone.domain.sample_verdict` (pure python,
shared with the API, which re-judges stored samples for other quality targets)."""

from __future__ import annotations

from voiceclone.audio.codecs import AudioInfo
from voiceclone.domain.sample_verdict import (
    AudioMetrics,
    Thresholds,
    Verdict,
    judge,
    judge_all,
    quality_score,
)
from voiceclone.domain.training import QualityTarget

__all__ = ["Thresholds", "Verdict", "judge", "judge_all", "judge_info", "quality_score"]


def judge_info(info: AudioInfo, metrics: AudioMetrics, target: QualityTarget = QualityTarget.MEDIUM) -> Verdict:
    return judge(metrics, info.sample_rate, info.channels, target)
