"""Calibration figures and the limits each quality target sets (pure Python, usable anywhere).

The speaker-similarity figures come from bench/bench_quality.py on real speakers (bench/results/
quality.json): re-run it and update CALIBRATION when the encoder or the corpus changes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SpeakerCalibration:
    """How one speaker encoder's cosine scores separate same from different speakers."""

    eer_threshold: float  # SECS at the equal error rate on 10-s clips
    eer: float  # the equal error rate itself (fraction)
    logistic_midpoint: float  # P(same) = 1 / (1 + exp(-slope * (score - midpoint)))
    logistic_slope: float


# bench/bench_quality.py, resemblyzer GE2E: 140 10-s clips of 56 real voices (4 corpora, 20 languages),
# 117 same-speaker and 8581 different-speaker pairs; see bench/results/quality.md.
CALIBRATION: dict[str, SpeakerCalibration] = {
    "resemblyzer": SpeakerCalibration(eer_threshold=0.733, eer=0.050, logistic_midpoint=0.745, logistic_slope=30.0),
}


@dataclass(frozen=True)
class QualityLimits:
    """What a voice (or a result) must reach at one quality target; None: not checked."""

    min_speaker_similarity: float
    min_dnsmos_ovrl: float
    max_wer: float
    max_clipped_fraction: float = 0.001
    max_true_peak_dbtp: float = 0.0
    max_edge_silence_s: float = 1.0
    max_inner_silence_s: float = 1.5
    min_chars_per_second: float = 5.0
    max_chars_per_second: float = 30.0
    max_repeated_fraction: float = 0.25  # of the speech that repeats an earlier chunk (babble, loops)


def limits_for(target: str, encoder: str = "resemblyzer") -> QualityLimits:
    """The limits of "low", "medium" or "high". Speaker similarity is anchored on the EER threshold
    (medium), 0.05 either side; DNSMOS OVRL: real clean speech of the calibration set has a median of 2.39
    and with 10 dB noise 1.74, so low (2.2) rejects noise-like speech, medium (2.6) asks for speech
    cleaner than the median recording, high (3.0) for studio-like speech."""
    eer = CALIBRATION[encoder].eer_threshold
    if target == "low":
        return QualityLimits(min_speaker_similarity=round(eer - 0.05, 3), min_dnsmos_ovrl=2.2, max_wer=0.30)
    if target == "high":
        return QualityLimits(min_speaker_similarity=round(eer + 0.05, 3), min_dnsmos_ovrl=3.0, max_wer=0.08)
    if target == "medium":
        return QualityLimits(min_speaker_similarity=eer, min_dnsmos_ovrl=2.6, max_wer=0.15)
    raise ValueError(f"unknown quality target '{target}' (low, medium, high)")
