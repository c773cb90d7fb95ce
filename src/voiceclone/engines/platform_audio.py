"""The rate every self-hosted engine hands the platform (XTTS's native 24 kHz) and the resampling to it.

YourTTS speaks 16 kHz, Bark 24 kHz: resampling here keeps the synth worker, the quality checks and the
encoders seeing one rate whatever the engine.
"""

from __future__ import annotations

import numpy as np

PLATFORM_SAMPLE_RATE = 24000


def to_platform_rate(samples: np.ndarray, sample_rate: int, target: int = PLATFORM_SAMPLE_RATE) -> np.ndarray:
    """float32 mono at `target` Hz (soxr's high quality), clipped to -1..1."""
    mono = np.asarray(samples, dtype=np.float32).reshape(-1)
    if sample_rate != target and len(mono):
        import soxr

        mono = soxr.resample(mono, sample_rate, target).astype(np.float32)
    return np.clip(mono, -1.0, 1.0)
