"""The quality of one piece of generated speech: SECS against a reference embedding, DNSMOS, signal
checks, optional WER, plain-language issues and a 0-1 quality score (docs/quality.md)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel

from voiceclone.quality.intelligibility import Intelligibility
from voiceclone.quality.naturalness import Dnsmos, dnsmos_model
from voiceclone.quality.signal import SignalReport, check_signal
from voiceclone.quality.similarity import same_speaker_probability
from voiceclone.quality.speaker import configured_encoder, secs
from voiceclone.quality.thresholds import CALIBRATION, QualityLimits, limits_for

logger = logging.getLogger(__name__)

NO_REFERENCE = "the voice has no reference embedding (made before quality reports): speaker similarity not measured"
# Weights of the quality score's parts (renormalised over the parts that were measured).
WEIGHTS = {"speaker": 0.4, "naturalness": 0.4, "signal": 0.2}
SIGNAL_ISSUE_PENALTY = 0.25
NO_SPEECH = "no speech could be detected in the audio"


class SpeechQuality(BaseModel):  # stored as report.ResultQuality
    encoder: str | None = None
    speaker_similarity: float | None = None
    same_speaker_probability: float | None = None
    dnsmos: Dnsmos | None = None
    signal: SignalReport
    intelligibility: Intelligibility | None = None
    issues: list[str]
    notes: list[str] = []
    quality_score: float
    seconds: float  # what measuring took


def assess(
    samples: np.ndarray,
    sample_rate: int,
    text: str | None,
    reference: Sequence[float] | None,
    *,
    limits: QualityLimits | None = None,
    intelligibility: Intelligibility | None = None,
) -> SpeechQuality:
    """Measures everything cheap; a metric whose model fails is left out with a note, never guessed."""
    started = time.perf_counter()
    limits = limits or limits_for("medium")
    notes: list[str] = []
    signal = check_signal(samples, sample_rate, text)
    similarity = probability = None
    encoder_name = None
    if reference is None:
        notes.append(NO_REFERENCE)
    else:  # measured even when no speech was detected: babble gets its (low) figure, not a blank
        try:
            encoder = configured_encoder()
            encoder_name = encoder.name
            similarity = round(secs(encoder.embed(samples, sample_rate), np.asarray(reference)), 4)
            if encoder.name in CALIBRATION:
                probability = round(same_speaker_probability(similarity, encoder.name), 4)
        except Exception as error:
            logger.exception("speaker similarity failed")
            notes.append(f"speaker similarity could not be measured: {error}")
    dnsmos = None
    try:
        dnsmos = dnsmos_model().score(samples, sample_rate) if len(samples) else None
    except Exception as error:
        logger.exception("DNSMOS failed")
        notes.append(f"DNSMOS could not be measured: {error}")
    if intelligibility is not None and not intelligibility.available and intelligibility.note:
        notes.append(intelligibility.note)
    issues = signal_issues(signal, limits)
    score = quality_score(probability, dnsmos, issues)
    return SpeechQuality(
        encoder=encoder_name, speaker_similarity=similarity, same_speaker_probability=probability, dnsmos=dnsmos,
        signal=signal, intelligibility=intelligibility, issues=issues, notes=notes, quality_score=score,
        seconds=round(time.perf_counter() - started, 4),
    )


def signal_issues(signal: SignalReport, limits: QualityLimits) -> list[str]:
    """What is wrong with the signal, each in words a user understands."""
    issues = []
    if signal.speech_s == 0:
        return [NO_SPEECH]
    if signal.clipped_fraction > limits.max_clipped_fraction:
        issues.append(f"{signal.clipped_fraction:.2%} of the samples are clipped (distorted peaks)")
    if signal.true_peak_dbtp is not None and signal.true_peak_dbtp > limits.max_true_peak_dbtp:
        issues.append(f"true peak {signal.true_peak_dbtp} dBTP is above {limits.max_true_peak_dbtp} dBTP (may distort)")
    if signal.leading_silence_s > limits.max_edge_silence_s:
        issues.append(f"{signal.leading_silence_s:.1f} s of silence before the speech starts")
    if signal.trailing_silence_s > limits.max_edge_silence_s:
        issues.append(f"{signal.trailing_silence_s:.1f} s of silence after the speech ends")
    if signal.longest_inner_silence_s > limits.max_inner_silence_s:
        issues.append(f"a {signal.longest_inner_silence_s:.1f} s pause inside the speech")
    rate = signal.chars_per_second
    if rate is not None and rate < limits.min_chars_per_second:
        issues.append(f"the speech is too long for its text ({rate} characters/s): extra sounds or babble")
    if rate is not None and rate > limits.max_chars_per_second:
        issues.append(f"the speech is too short for its text ({rate} characters/s): words are likely missing")
    if signal.repeated_fraction > limits.max_repeated_fraction:
        issues.append(f"{signal.repeated_fraction:.0%} of the speech repeats an earlier stretch (a loop or babble)")
    return issues


def quality_score(probability: float | None, dnsmos: Dnsmos | None, issues: list[str]) -> float:
    """0-1: the same-speaker probability, DNSMOS OVRL mapped 1..4 -> 0..1 and the signal checks."""
    no_speech = issues == [NO_SPEECH]
    parts: dict[str, float] = {"signal": 0.0 if no_speech else max(1.0 - SIGNAL_ISSUE_PENALTY * len(issues), 0.0)}
    if probability is not None:
        parts["speaker"] = probability
    if dnsmos is not None:
        parts["naturalness"] = min(max((dnsmos.ovrl - 1.0) / 3.0, 0.0), 1.0)
    total = sum(WEIGHTS[name] for name in parts)
    return round(sum(WEIGHTS[name] * value for name, value in parts.items()) / total, 4)


def fallback_quality(error: Exception, seconds: float) -> dict[str, Any]:
    """When measuring failed outright: a score of 0 that says so (a completed job never has none)."""
    return {"quality_score": 0.0, "issues": [f"quality could not be measured: {error}"], "seconds": round(seconds, 4)}
