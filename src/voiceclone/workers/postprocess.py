"""Turning an engine's float audio into the file the user downloads: loudness, peak, format."""

from __future__ import annotations

import numpy as np

from voiceclone.audio import loudness
from voiceclone.audio.codecs import encode
from voiceclone.domain.tts import OUTPUT_CONTENT_TYPES, OutputFormat

TARGET_LUFS = -16.0  # spoken-word streaming loudness
TRUE_PEAK_CEILING_DBTP = -1.0
PEAK_CEILING = 10 ** (TRUE_PEAK_CEILING_DBTP / 20)  # so the sample peak stays under -1 dBFS too


def normalize_loudness(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """The output's loudness and ceiling, by the normaliser that also levels training clips."""
    return loudness.normalize_loudness(samples, sample_rate, TARGET_LUFS, TRUE_PEAK_CEILING_DBTP).samples


def render(samples: np.ndarray, sample_rate: int, output_format: OutputFormat | str) -> tuple[bytes, str]:
    """Encoded bytes and their content type."""
    fmt = OutputFormat(output_format)
    return encode(normalize_loudness(samples, sample_rate), sample_rate, fmt), OUTPUT_CONTENT_TYPES[fmt]
