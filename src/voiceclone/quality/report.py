"""The stored shapes of quality figures (pydantic only, so API views can use them): a TTS result's
(`ResultQuality`, written by the synth worker) and a voice's report (`VoiceQualityReport`, written by
the trainer through voiceclone.quality.evaluation and merged into voice.quality_report)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

REPORT_FORMAT = 1


class _Loose(BaseModel):
    # Deferred: only the quality routes and the workers validate reports; other handlers only import them.
    model_config = ConfigDict(extra="ignore", defer_build=True)


class Dnsmos(_Loose):
    """Mean scores over the scored windows, each on the 1-5 MOS scale."""

    ovrl: float
    sig: float
    bak: float
    p808: float
    windows: int


class SignalReport(_Loose):
    duration_s: float
    loudness_lufs: float | None  # None: too short or silent for the meter
    true_peak_dbtp: float | None
    clipped_fraction: float
    speech_s: float
    leading_silence_s: float
    trailing_silence_s: float
    longest_inner_silence_s: float
    chars_per_second: float | None  # text characters (no spaces) per second of speech; None without text
    repeated_fraction: float  # of speech chunks that repeat an earlier chunk


class Intelligibility(_Loose):
    available: bool
    wer: float | None = None
    cer: float | None = None
    transcript: str | None = None
    note: str | None = None


class ResultQuality(_Loose):
    """The quality of one TTS result (voiceclone.quality.assessment.SpeechQuality as stored)."""

    encoder: str | None = None
    speaker_similarity: float | None = Field(None, description="SECS against the voice's reference embedding")
    same_speaker_probability: float | None = None
    dnsmos: Dnsmos | None = None
    signal: SignalReport | None = None
    intelligibility: Intelligibility | None = None
    issues: list[str] = Field(default_factory=list, description="audible problems, in plain words")
    notes: list[str] = Field(default_factory=list, description="what was not measured and why")
    quality_score: float = Field(ge=0, le=1)
    seconds: float | None = Field(None, description="what measuring took")
    overhead_ratio: float | None = Field(None, description="measuring time / synthesis time")


class TargetVerdict(_Loose):
    passed: bool
    reasons: list[str] = Field(description="why the voice falls short of this target, in plain words")


class Headline(_Loose):
    speaker_similarity: float | None = Field(description="median SECS of the evaluation sentences vs held-out speech")
    same_speaker_probability: float | None
    dnsmos_ovrl: float | None = Field(description="mean predicted MOS (DNSMOS P.835 OVRL, 1-5)")
    wer: float | None = Field(description="mean word error rate; null when no ASR model is configured")
    quality_score: float = Field(ge=0, le=1)


class SentenceReport(_Loose):
    text: str
    duration_s: float
    speaker_similarity: float | None = None
    same_speaker_probability: float | None = None
    dnsmos: Dnsmos | None = None
    signal: SignalReport
    intelligibility: Intelligibility | None = None
    issues: list[str]
    quality_score: float


class ReferenceClip(_Loose):
    name: str
    duration_s: float


class ReferenceSpeech(_Loose):
    held_out: bool = Field(description="false: too little speech to hold any back; SECS is then optimistic")
    clips: list[ReferenceClip]
    seconds: float
    dnsmos_ovrl: float | None = Field(None, description="the user's own held-out speech, for comparison")


class VoiceQualityReport(_Loose):
    format: int = REPORT_FORMAT
    evaluated: bool = True
    language: str
    quality_target: str
    encoder: str | None
    passed: bool = Field(description="whether the voice reaches its quality_target")
    reasons: list[str] = Field(description="why it does not (empty when passed)")
    notes: list[str] = Field(default_factory=list, description="what was not measured and why")
    headline: Headline
    verdicts: dict[str, TargetVerdict] = Field(description="pass/fail per quality target: low, medium, high")
    thresholds: dict[str, dict[str, float]]
    sentences: list[SentenceReport]
    reference: ReferenceSpeech
    training_clips: int
    seconds: float = Field(description="what the evaluation took")


def for_target(report: dict, quality_target: str) -> dict:
    """The stored report with `passed` / `reasons` of the job's quality target (register-voice knows the
    target; the worker reports every target's verdict)."""
    verdict = (report.get("verdicts") or {}).get(quality_target)
    if verdict is None:
        return {**report, "quality_target": quality_target}
    return {**report, "quality_target": quality_target, "passed": verdict["passed"], "reasons": verdict["reasons"]}
