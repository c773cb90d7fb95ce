"""Per TTS result, in the synth worker: the cheap metrics (SECS against the voice's reference, DNSMOS,
signal checks) on the speech as delivered; never fails the job (a failure is a score of 0 that says so)."""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np

from voiceclone.quality.assessment import assess, fallback_quality
from voiceclone.quality.speaker import configured_encoder

logger = logging.getLogger(__name__)


def result_quality(
    samples: np.ndarray, sample_rate: int, text: str, reference: tuple[str, list[float]] | None, synthesis_s: float
) -> dict[str, Any]:
    """voiceclone.quality.report.ResultQuality as a dict, with what it cost against the synthesis."""
    started = time.perf_counter()
    try:
        embedding, mismatch = _usable_reference(reference)
        quality = assess(samples, sample_rate, text, embedding)
        figures = quality.model_dump(mode="json")
        if mismatch:
            figures["notes"] = [mismatch, *figures["notes"]]
    except Exception as error:
        logger.exception("quality measurement failed")
        figures = fallback_quality(error, time.perf_counter() - started)
    figures["overhead_ratio"] = round(figures["seconds"] / synthesis_s, 4) if synthesis_s > 0 else None
    return figures


def _usable_reference(reference: tuple[str, list[float]] | None) -> tuple[list[float] | None, str | None]:
    if reference is None:
        return None, None
    encoder, embedding = reference
    current = configured_encoder().name
    if encoder != current:
        return None, f"the voice's reference embedding is from {encoder}, this worker uses {current}: not compared"
    return embedding, None
