"""Turning an engine's float audio into the file the user downloads: loudness, peak, format."""

from __future__ import annotations

import numpy as np
import pyloudnorm

from voiceclone.audio.codecs import encode
from voiceclone.domain.tts import OUTPUT_CONTENT_TYPES, OutputFormat

TARGET_LUFS = -16.0  # spoken-word streaming loudness
PEAK_CEILING = 10 ** (-1.0 / 20)  # -1 dBFS sample peak


def normalize_loudness(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    samples = np.nan_to_num(np.asarray(samples, dtype=np.float32))
    if len(samples) >= int(0.4 * sample_rate):  # the meter needs one 400 ms block
        meter = pyloudnorm.Meter(sample_rate)
        loudness = meter.integrated_loudness(samples.astype(np.float64))
        if np.isfinite(loudness):
            samples = pyloudnorm.normalize.loudness(samples.astype(np.float64), loudness, TARGET_LUFS)
    peak = float(np.max(np.abs(samples))) if len(samples) else 0.0
    if peak > PEAK_CEILING:
        samples = samples * (PEAK_CEILING / peak)
    return np.asarray(samples, dtype=np.float32)


def render(samples: np.ndarray, sample_rate: int, output_format: OutputFormat | str) -> tuple[bytes, str]:
    """Encoded bytes and their content type."""
    fmt = OutputFormat(output_format)
    return encode(normalize_loudness(samples, sample_rate), sample_rate, fmt), OUTPUT_CONTENT_TYPES[fmt]
