"""After training: the new voice speaks the fixed evaluation sentences and is measured against speech
of the user that neither conditioning nor training saw (docs/quality.md).

The trainer worker calls `split_held_out` before it builds the voice and `evaluate_voice` right after
(the model is loaded there already). A voice below its quality target still becomes ready: its report
says `passed: false` and why, so the user decides (and the API can gate on it later).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import mean, median
from typing import Any

import numpy as np

from voiceclone.engines.base import TrainingClip
from voiceclone.quality.assessment import SpeechQuality, assess
from voiceclone.quality.intelligibility import NO_ASR, measure
from voiceclone.quality.naturalness import dnsmos_model
from voiceclone.quality.report import (
    Headline,
    ReferenceClip,
    ReferenceSpeech,
    SentenceReport,
    TargetVerdict,
    VoiceQualityReport,
)
from voiceclone.quality.sentences import sentences_for
from voiceclone.quality.similarity import same_speaker_probability
from voiceclone.quality.speaker import configured_encoder
from voiceclone.quality.thresholds import CALIBRATION, QualityLimits, limits_for

logger = logging.getLogger(__name__)

TARGETS = ("low", "medium", "high")
HOLD_OUT_MAX_S = 12.0  # enough for a stable embedding (calibrated on 10-s clips)
HOLD_OUT_SHARE = 0.25  # of the user's speech, at most ...
MIN_TRAINING_SHARE = 0.6  # ... and never leaving less than this for training
REFERENCE_CLIPS = 8  # the voice's reference embedding averages at most this many clips (longest first)
NOT_HELD_OUT = (
    "there was too little speech to hold any back: similarity is measured against the training speech "
    "itself and is optimistic; upload more than one sample for a fair figure"
)


@dataclass(frozen=True)
class Evaluation:
    report: VoiceQualityReport
    encoder: str
    reference_embedding: list[float]  # of all the user's clips: what results and samples are compared with


def split_held_out(clips: Sequence[TrainingClip]) -> tuple[list[TrainingClip], list[TrainingClip]]:
    """(training, held out): the shortest clips up to min(12 s, 25 %) of the speech, training keeping
    at least 60 % and one clip. A single clip is not split (its transcript covers all of it)."""
    if len(clips) < 2:
        return list(clips), []
    total = sum(c.duration_s for c in clips)
    wanted = min(HOLD_OUT_MAX_S, HOLD_OUT_SHARE * total)
    held: list[TrainingClip] = []
    for clip in sorted(clips, key=lambda c: (c.duration_s, str(c.path))):
        held_s = sum(c.duration_s for c in held)
        if held and held_s >= wanted:
            break
        if total - held_s - clip.duration_s < MIN_TRAINING_SHARE * total or len(held) + 1 >= len(clips):
            break
        held.append(clip)
    held_paths = {c.path for c in held}
    return [c for c in clips if c.path not in held_paths], held


def _load(clip: TrainingClip) -> tuple[np.ndarray, int]:
    import soundfile

    samples, rate = soundfile.read(Path(clip.path), dtype="float32", always_2d=True)
    return samples.mean(axis=1), rate


def _mean_embedding(vectors: Sequence[np.ndarray]) -> np.ndarray:
    mean_vector = np.mean(vectors, axis=0)
    return mean_vector / max(float(np.linalg.norm(mean_vector)), 1e-12)


def evaluate_voice(
    engine,
    voice: Any,
    language: str,
    training: Sequence[TrainingClip],
    held_out: Sequence[TrainingClip],
    quality_target: str,
    transcriber=None,
    sentences: Sequence[str] | None = None,
) -> Evaluation:
    """Synthesises the sentences with `voice` and measures them; the report is complete either way."""
    from voiceclone.domain.tts import VoiceSettings

    started = time.perf_counter()
    encoder = configured_encoder()
    reference_clips = list(held_out) or list(training)
    everything = sorted([*training, *held_out], key=lambda c: -c.duration_s)[:REFERENCE_CLIPS]
    vectors = {c.path: encoder.embed(*_load(c)) for c in {c.path: c for c in [*reference_clips, *everything]}.values()}
    held_reference = _mean_embedding([vectors[c.path] for c in reference_clips]).tolist()
    voice_reference = _mean_embedding([vectors[c.path] for c in everything]).tolist()
    limits = limits_for(quality_target, encoder.name if encoder.name in CALIBRATION else "resemblyzer")
    texts = list(sentences or sentences_for(language))
    measured: list[tuple[str, float, SpeechQuality]] = []
    for text in texts:
        audio = engine.synthesize(text, voice, language, VoiceSettings())
        heard = measure(transcriber, audio.samples, audio.sample_rate, text, language)
        quality = assess(audio.samples, audio.sample_rate, text, held_reference, limits=limits, intelligibility=heard)
        measured.append((text, audio.duration_s, quality))
    reference = ReferenceSpeech(
        held_out=bool(held_out),
        clips=[ReferenceClip(name=Path(c.path).name, duration_s=round(c.duration_s, 3)) for c in reference_clips],
        seconds=round(sum(c.duration_s for c in reference_clips), 3),
        dnsmos_ovrl=_reference_dnsmos(reference_clips),
    )
    report = build_report(measured, reference, language, quality_target, encoder.name, transcriber is not None,
                          len(training), time.perf_counter() - started)
    return Evaluation(report, encoder.name, voice_reference)


def _reference_dnsmos(clips: Sequence[TrainingClip]) -> float | None:
    try:
        return dnsmos_model().score(*_load(max(clips, key=lambda c: c.duration_s))).ovrl
    except Exception:  # noqa: BLE001 - context only; its absence is visible as null
        return None


def build_report(
    measured: Sequence[tuple[str, float, SpeechQuality]],
    reference: ReferenceSpeech,
    language: str,
    quality_target: str,
    encoder: str,
    asr_configured: bool,
    training_clips: int,
    seconds: float,
) -> VoiceQualityReport:
    sentences = [
        SentenceReport(
            text=text, duration_s=round(duration, 3), speaker_similarity=q.speaker_similarity,
            same_speaker_probability=q.same_speaker_probability,
            dnsmos=q.dnsmos, signal=q.signal, intelligibility=q.intelligibility,
            issues=q.issues, quality_score=q.quality_score,
        )
        for text, duration, q in measured
    ]
    headline = _headline(sentences, encoder)
    verdicts = {target: verdict(headline, sentences, limits_for(target, _calibrated(encoder))) for target in TARGETS}
    notes = [] if asr_configured else [NO_ASR]
    if not reference.held_out:
        notes.append(NOT_HELD_OUT)
    if encoder not in CALIBRATION:
        notes.append(f"encoder {encoder} has no calibration of its own: resemblyzer's thresholds are applied")
    chosen = verdicts[quality_target]
    return VoiceQualityReport(
        language=language, quality_target=quality_target, encoder=encoder, passed=chosen.passed,
        reasons=chosen.reasons, notes=notes, headline=headline, verdicts=verdicts,
        thresholds={t: _limits_dict(limits_for(t, _calibrated(encoder))) for t in TARGETS},
        sentences=sentences, reference=reference, training_clips=training_clips, seconds=round(seconds, 3),
    )


def _calibrated(encoder: str) -> str:
    return encoder if encoder in CALIBRATION else "resemblyzer"


def _headline(sentences: Sequence[SentenceReport], encoder: str) -> Headline:
    similarities = [s.speaker_similarity for s in sentences if s.speaker_similarity is not None]
    ovrl = [s.dnsmos.ovrl for s in sentences if s.dnsmos]
    wers = [s.intelligibility.wer for s in sentences if s.intelligibility and s.intelligibility.wer is not None]
    similarity = round(median(similarities), 4) if similarities else None
    probability = None
    if similarity is not None and encoder in CALIBRATION:
        probability = round(same_speaker_probability(similarity, encoder), 4)
    return Headline(
        speaker_similarity=similarity, same_speaker_probability=probability,
        dnsmos_ovrl=round(mean(ovrl), 3) if ovrl else None, wer=round(mean(wers), 4) if wers else None,
        quality_score=round(mean(s.quality_score for s in sentences), 4) if sentences else 0.0,
    )


def verdict(headline: Headline, sentences: Sequence[SentenceReport], limits: QualityLimits) -> TargetVerdict:
    """Pass/fail at one target and each reason in plain words."""
    reasons = []
    if headline.speaker_similarity is None:
        reasons.append("Speaker similarity could not be measured, so the voice cannot be confirmed to sound like you.")
    elif headline.speaker_similarity < limits.min_speaker_similarity:
        reasons.append(
            f"The voice does not sound enough like your recordings: speaker similarity "
            f"{headline.speaker_similarity:.2f}, at least {limits.min_speaker_similarity:.2f} needed."
        )
    if headline.dnsmos_ovrl is None:
        reasons.append("Naturalness could not be measured.")
    elif headline.dnsmos_ovrl < limits.min_dnsmos_ovrl:
        reasons.append(
            f"The speech does not sound natural enough: predicted MOS {headline.dnsmos_ovrl:.2f} of 5, "
            f"at least {limits.min_dnsmos_ovrl:.1f} needed."
        )
    if headline.wer is not None and headline.wer > limits.max_wer:
        reasons.append(
            f"The speech is hard to understand: {headline.wer:.0%} of the words were misheard by speech "
            f"recognition, at most {limits.max_wer:.0%} allowed."
        )
    flawed = [s for s in sentences if s.issues]
    if flawed:
        reasons.append(
            f"{len(flawed)} of {len(sentences)} evaluation sentences have audible problems, "
            f"for example: {flawed[0].issues[0]}."
        )
    return TargetVerdict(passed=not reasons, reasons=reasons)


def _limits_dict(limits: QualityLimits) -> dict[str, float]:
    return {name: float(value) for name, value in vars(limits).items()}


def evaluate_trained_voice(
    engine,
    model_type: str,
    files: dict[str, Path],
    language: str,
    training: Sequence[TrainingClip],
    held_out: Sequence[TrainingClip],
    work_dir: Path,
    quality_target: str = "medium",
) -> tuple[dict[str, Any], Path | None]:
    """What the trainer returns with a new voice: the report as JSON (its reference embedding under
    "reference_embedding") and the `speaker_reference` artifact. An evaluation that cannot run gives a
    report that says so (evaluated: false, passed: false): the voice is never silently unrated.
    `passed` / `reasons` are those of `quality_target`; register-voice re-picks them for the job's target
    (report.for_target) from the verdicts of every target."""
    from voiceclone.quality.reference import write_reference

    try:
        voice = engine.load_voice(model_type, files)
        evaluation = evaluate_voice(
            engine, voice, language, training, held_out, quality_target, getattr(engine, "transcriber", None)
        )
    except Exception as error:
        logger.exception("voice evaluation failed")
        reason = f"The voice could not be evaluated ({type(error).__name__}: {error})."
        return {"evaluated": False, "passed": False, "reasons": [reason], "quality_target": quality_target}, None
    report = evaluation.report.model_dump(mode="json")
    report["reference_embedding"] = {"encoder": evaluation.encoder, "embedding": evaluation.reference_embedding}
    return report, write_reference(work_dir, evaluation.encoder, evaluation.reference_embedding)
