"""Cosine similarity of stored speaker embeddings and its calibrated same-speaker probability.

Pure Python on purpose: API handlers compare embeddings that workers computed and stored, without
numpy or a speaker encoder (docs/quality.md, "Where they run").
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from voiceclone.quality.thresholds import CALIBRATION


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine of two vectors of the same length; 0 when either is all zeros."""
    if len(a) != len(b):
        raise ValueError(f"embeddings differ in length ({len(a)} vs {len(b)}): made by different encoders")
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norms = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norms if norms > 0 else 0.0


def same_speaker_probability(score: float, encoder: str = "resemblyzer") -> float:
    """P(same speaker | SECS score) from the logistic fitted on real speakers (bench/bench_quality.py)."""
    fit = CALIBRATION[encoder]
    z = fit.logistic_slope * (score - fit.logistic_midpoint)
    z = max(min(z, 60.0), -60.0)
    return 1.0 / (1.0 + math.exp(-z))


def same_speaker(score: float, encoder: str = "resemblyzer") -> bool:
    """Whether `score` passes the equal-error-rate threshold of the calibration."""
    return score >= CALIBRATION[encoder].eer_threshold
