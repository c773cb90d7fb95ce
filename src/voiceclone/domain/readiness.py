"""Whether samples can train a given model type at a given quality target, and in which language.

The stored verdict is the analysis' answer for the default target; any other target is judged again
from the stored measurements (`sample_verdict.judge`, pure Python). A fine-tune also needs to know
what is said in each clip: a transcript, or an ASR model that makes one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from voiceclone.domain.sample_verdict import AudioMetrics, Verdict, judge
from voiceclone.domain.samples import SampleStatus, VoiceSample
from voiceclone.domain.training import ModelType, QualityTarget

MODEL_TYPES_NEEDING_TRANSCRIPTS: frozenset[ModelType] = frozenset({ModelType.XTTS_V2})
DEFAULT_LANGUAGE = "en"


def verdict_for(sample: VoiceSample, target: QualityTarget) -> Verdict:
    """The sample's verdict for `target`, re-judged from its stored measurements when they are complete."""
    metrics = stored_metrics(sample)
    if metrics is None or sample.sample_rate is None:
        return Verdict(
            suitable_for_training=sample.suitable_for_training,
            quality_score=float(getattr(sample.quality, "quality_score", None) or 0.0),
            reasons=list(sample.reasons),
            advice=list(getattr(sample.quality, "advice", None) or []),
        )
    return judge(metrics, sample.sample_rate, sample.channels or 1, target)


def stored_metrics(sample: VoiceSample) -> AudioMetrics | None:
    if sample.quality is None:
        return None
    try:
        return AudioMetrics.model_validate(sample.quality.model_dump())
    except ValidationError:  # analysed before a measurement existed: keep the stored verdict
        return None


def training_problems(
    sample: VoiceSample | None, model_type: ModelType, target: QualityTarget, asr_available: bool
) -> list[str]:
    """What stops `sample` from training `model_type` at `target`, each with what to do; [] when nothing."""
    if sample is None:
        return ["not found"]
    if sample.status != SampleStatus.READY:
        return [f"status is {sample.status}, not ready: wait for the analysis or upload it again"]
    verdict = verdict_for(sample, target)
    problems = list(verdict.reasons)
    if not verdict.suitable_for_training and not problems:
        problems.append("not suitable for training (no reason recorded): upload it again")
    if model_type in MODEL_TYPES_NEEDING_TRANSCRIPTS and not sample.transcript and not asr_available:
        problems.append(
            f"no transcript, and fine-tuning ({model_type}) needs to know what is said: add it with "
            f"PATCH /api/samples/{sample.sample_id} {{\"transcript\": \"...\"}}, or make an instant voice "
            f"({ModelType.XTTS_V2_INSTANT}), which needs none"
        )
    return problems


@dataclass(frozen=True)
class LanguageChoice:
    """The language most of the speech is in, each language's share of it, and a note when mixed."""

    language: str
    shares: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def infer_language(samples: list[VoiceSample], requested: str | None = None) -> LanguageChoice:
    """The job's language: `requested` if given, else the language most of the speech is in
    (weighted by duration); a job over mixed languages (or none known) says so."""
    seconds: dict[str, float] = defaultdict(float)
    unknown = 0.0
    for sample in samples:
        duration = max(sample.duration_s or 0.0, 0.001)
        if sample.language:
            seconds[sample.language] += duration
        else:
            unknown += duration
    total = sum(seconds.values()) + unknown
    shares = {lang: round(s / total, 3) for lang, s in sorted(seconds.items(), key=lambda kv: -kv[1])}
    warnings = []
    if len(seconds) > 1:
        listed = ", ".join(f"{lang} {share:.0%}" for lang, share in shares.items())
        warnings.append(f"the samples are in several languages ({listed})")
    language = requested or (max(seconds, key=seconds.__getitem__) if seconds else DEFAULT_LANGUAGE)
    if not seconds and not requested:
        warnings.append(f"no sample says its language; assuming {DEFAULT_LANGUAGE} (set it with PATCH /api/samples/{{id}})")
    elif requested and seconds and requested not in seconds:
        warnings.append(f"language {requested} was requested but the samples are in {', '.join(seconds)}")
    if len(seconds) > 1:
        warnings[0] += f"; the voice speaks {language}"
    return LanguageChoice(language=language, shares=shares, warnings=warnings)


def words_per_minute(transcript: str | None, speech_s: float) -> float | None:
    """Words of the transcript per minute of detected speech; None without a transcript or speech."""
    if not transcript or not transcript.strip() or speech_s <= 0:
        return None
    return len(transcript.split()) / speech_s * 60


def rejudged_fields(sample: VoiceSample, transcript: str | None) -> dict[str, Any]:
    """The stored fields that follow from a new transcript (words per minute, verdict at the default target)."""
    metrics = stored_metrics(sample)
    if sample.status != SampleStatus.READY or metrics is None or sample.sample_rate is None:
        return {}
    metrics = metrics.model_copy(update={"words_per_minute": words_per_minute(transcript, metrics.speech_duration_s)})
    verdict = judge(metrics, sample.sample_rate, sample.channels or 1, QualityTarget.MEDIUM)
    quality = sample.quality.model_dump() if sample.quality else {}
    quality.update(words_per_minute=metrics.words_per_minute, quality_score=verdict.quality_score, advice=verdict.advice)
    return {"quality": quality, "reasons": verdict.reasons, "suitable_for_training": verdict.suitable_for_training}
