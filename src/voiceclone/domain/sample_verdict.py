"""The verdict on a voice sample from its measurements: blocking reasons, advice and a quality score.

Pure python (pydantic and stdlib only) so API handlers can re-judge a stored sample for any quality
target without its audio: `judge(AudioMetrics.model_validate(sample.quality.model_dump()), ...)`.

Tiers: a *reason* blocks training because the fine-tune would fail or clone the defect (damaged file,
no or too little speech, noise, heavy clipping, telephone bandwidth); *advice* only lowers
`quality_score`. `QualityTarget` chooses the thresholds (`Thresholds.for_target`). Every string says
what was measured and what to do. docs/audio-verdict.md explains each one and the calibration.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field

from voiceclone.domain.training import QualityTarget

# Version of the detectors that produced a set of metrics. 1: before the cutoff and clip-level
# detectors (bandwidth_hz was a level relative to the peak, clipping only counted full scale).
METRICS_VERSION = 2


class AudioMetrics(BaseModel):
    """Measurements of one recording; levels are dBFS / LUFS / dBTP, ratios are 0..1.

    Fields added after the first stored samples have defaults, and unknown keys (pitch, advice,
    verdicts ... of the stored quality document) are ignored, so any stored `quality` validates.
    """

    model_config = ConfigDict(extra="ignore")

    duration_s: float
    speech_duration_s: float
    speech_ratio: float = Field(description="share of 20 ms frames holding speech")
    snr_db: float = Field(description="speech power over noise power (noise: the quietest frames)")
    noise_floor_dbfs: float
    dynamic_range_db: float = Field(description="loud frames (95th percentile) over the noise floor")
    loudness_lufs: float | None = Field(description="integrated loudness, ITU-R BS.1770-4; None when silent")
    true_peak_dbtp: float | None
    peak_dbfs: float | None
    clipping_ratio: float = Field(description="share of samples clipped: the excess piled up at the clip level")
    dc_offset: float = Field(description="largest channel mean, in full-scale units")
    bandwidth_hz: float = Field(description="highest frequency the speech reaches: the cutoff, else Nyquist")
    channel_correlation: float | None = Field(description="lowest correlation of a channel with the first")
    nonfinite_ratio: float = Field(description="share of NaN/Inf samples (float files)")
    leading_silence_s: float
    trailing_silence_s: float
    longest_pause_s: float = Field(description="longest gap between speech segments")
    pitch_median_hz: float | None
    pitch_p5_hz: float | None
    pitch_p95_hz: float | None
    pitch_spread_semitones: float | None = Field(description="p5..p95 f0 range in semitones")
    voiced_ratio: float = Field(description="share of speech frames with a clear pitch")
    words_per_minute: float | None = Field(default=None, description="only when a transcript is given")
    # --- since METRICS_VERSION 2
    metrics_version: int = Field(default=1, description="detectors that measured these metrics")
    cutoff_hz: float | None = Field(
        default=None, description="a band-limit cliff in the speech spectrum; None when there is none"
    )
    cutoff_steepness_db_per_octave: float | None = Field(default=None, description="slope of the cliff")
    cutoff_depth_db: float | None = Field(default=None, description="fall from below the cliff onto the floor")
    clip_level: float | None = Field(
        default=None, description="level (full-scale units) where clipped samples pile up; None without clipping"
    )
    flat_top_ratio: float = Field(default=0.0, description="share of samples in runs of equal values at the clip level")


class Verdict(BaseModel):
    suitable_for_training: bool
    quality_score: float = Field(ge=0, le=1)
    reasons: list[str] = Field(default_factory=list, description="blocking problems, each with a fix")
    advice: list[str] = Field(default_factory=list, description="non-blocking findings")
    quality_target: QualityTarget = QualityTarget.MEDIUM


class Thresholds(BaseModel):
    """Limits of one quality target; `for_target` gives the calibrated sets (bench/bench_calibration.py)."""

    model_config = ConfigDict(frozen=True)

    min_speech_s: float = 3.0  # blocking: too little speech to learn a voice from
    recommended_speech_s: float = 10.0
    min_snr_db: float = 15.0  # blocking: the noise would be cloned with the voice
    recommended_snr_db: float = 25.0
    max_clipping_ratio: float = 0.003  # blocking: share of samples clipped
    advice_clipping_ratio: float = 0.0002
    min_sample_rate: int = 16_000  # blocking: nothing above 4 kHz below this (telephone)
    recommended_sample_rate: int = 16_000
    min_cutoff_hz: float = 5_000.0  # blocking: a cliff at telephone bandwidth or below (a 4 kHz low-pass reads 4-5 kHz)
    recommended_cutoff_hz: float = 7_000.0
    max_dc_offset: float = 0.01  # advice: enhancement removes it
    min_channel_correlation: float = -0.3  # advice: enhancement flips the inverted channel
    min_dynamic_range_db: float = 6.0  # blocking below: silence or steady noise, no speech
    min_pitch_spread_semitones: float = 1.0  # blocking below (with mostly voiced frames): a steady tone
    min_loudness_lufs: float = -40.0  # advice: very quiet recording
    max_pause_s: float = 5.0  # advice: long pauses
    min_speech_ratio: float = 0.3  # advice
    words_per_minute_range: tuple[float, float] = (60.0, 300.0)  # advice: transcript may not match
    blocked_score_cap: float = 0.3  # quality_score never exceeds this when a reason blocks training

    @classmethod
    def for_target(cls, target: QualityTarget | str) -> Thresholds:
        return _TARGETS[QualityTarget(target)]


_TARGETS = {
    QualityTarget.LOW: Thresholds(
        min_speech_s=2.0, recommended_speech_s=6.0, min_snr_db=10.0, recommended_snr_db=20.0,
        max_clipping_ratio=0.01, advice_clipping_ratio=0.001, min_cutoff_hz=5_000.0, recommended_cutoff_hz=5_500.0,
    ),
    QualityTarget.MEDIUM: Thresholds(),
    QualityTarget.HIGH: Thresholds(
        min_speech_s=5.0, recommended_speech_s=20.0, min_snr_db=20.0, recommended_snr_db=30.0,
        max_clipping_ratio=0.001, advice_clipping_ratio=0.0001, recommended_sample_rate=22_050,
        min_cutoff_hz=7_000.0, recommended_cutoff_hz=9_500.0,
    ),
}


def judge(
    metrics: AudioMetrics, sample_rate: int, channels: int, target: QualityTarget = QualityTarget.MEDIUM
) -> Verdict:
    """The verdict on one sample for `target`."""
    target = QualityTarget(target)
    t = Thresholds.for_target(target)
    reasons = _blocking_reasons(metrics, sample_rate, t)
    advice = [] if _no_speech(metrics, t) else _advice(metrics, sample_rate, channels, t)
    score = quality_score(metrics, sample_rate)
    if reasons:
        score = min(score, t.blocked_score_cap)
    return Verdict(
        suitable_for_training=not reasons, quality_score=round(score, 3), reasons=reasons, advice=advice,
        quality_target=target,
    )


def judge_all(metrics: AudioMetrics, sample_rate: int, channels: int) -> dict[str, Verdict]:
    """One verdict per quality target, keyed "low", "medium", "high"."""
    return {str(target): judge(metrics, sample_rate, channels, target) for target in QualityTarget}


def _no_speech(m: AudioMetrics, t: Thresholds) -> bool:
    return m.dynamic_range_db < t.min_dynamic_range_db or m.speech_duration_s < 0.3


def _steady_tone(m: AudioMetrics, t: Thresholds) -> bool:
    spread = m.pitch_spread_semitones
    return spread is not None and spread < t.min_pitch_spread_semitones and m.voiced_ratio > 0.8


def _dbfs(level: float) -> float:
    return 20 * math.log10(level) if level > 0 else -math.inf


def _clipping_evidence(m: AudioMetrics) -> str:
    level = f" at {m.clip_level:.2f} of full scale ({_dbfs(m.clip_level):.1f} dBFS)" if m.clip_level else ""
    return f"clipping: {m.clipping_ratio:.2%} of samples are clipped{level}"


def _cutoff_evidence(m: AudioMetrics, cutoff_hz: float) -> str:
    shape = []
    if m.cutoff_depth_db is not None:
        shape.append(f"a {m.cutoff_depth_db:.0f} dB fall")
    if m.cutoff_steepness_db_per_octave is not None:
        shape.append(f"{m.cutoff_steepness_db_per_octave:.0f} dB/octave")
    detail = f" ({', '.join(shape)})" if shape else ""
    return f"band-limited: the spectrum stops at {cutoff_hz / 1000:.1f} kHz{detail}"


def _blocking_reasons(m: AudioMetrics, sample_rate: int, t: Thresholds) -> list[str]:
    reasons = []
    # defects of the file itself, whatever it holds
    if m.nonfinite_ratio > 0:
        reasons.append(f"{m.nonfinite_ratio:.2%} of samples are NaN or infinite: the file is damaged, export it again")
    if m.clipping_ratio > t.max_clipping_ratio:
        reasons.append(
            f"{_clipping_evidence(m)} (more than {t.max_clipping_ratio:.1%}): the voice was overdriven before it "
            "was recorded or exported and the distortion would be cloned; lower the input gain (and any gain "
            "before the export) and record again"
        )
    if sample_rate < t.min_sample_rate:
        reasons.append(
            f"sample rate {sample_rate} Hz carries nothing above {sample_rate / 2000:.1f} kHz (telephone "
            f"bandwidth): record at 22.05 kHz or more (at least {t.min_sample_rate / 1000:g} kHz)"
        )
    # then the speech in it
    if _no_speech(m, t):
        reasons.append(
            f"no speech detected (dynamic range {m.dynamic_range_db:.0f} dB, {m.speech_duration_s:.1f} s above "
            "the noise: silence, a steady tone or constant noise): check the microphone and record again"
        )
        return reasons
    if _steady_tone(m, t):
        reasons.append(
            f"the recording is a steady tone, not speech (pitch varies by {m.pitch_spread_semitones:.1f} "
            "semitones): upload a recording of your voice"
        )
        return reasons
    if m.speech_duration_s < t.min_speech_s:
        reasons.append(
            f"only {m.speech_duration_s:.1f} s of speech (at least {t.min_speech_s:g} s needed): record more; "
            "1-3 minutes give the best voice"
        )
    if m.snr_db < t.min_snr_db:
        reasons.append(
            f"SNR {m.snr_db:.0f} dB (noise floor {m.noise_floor_dbfs:.0f} dBFS), below the {t.min_snr_db:g} dB "
            "needed: the noise would be cloned; record in a quieter room or closer to the microphone"
        )
    if sample_rate >= t.min_sample_rate and m.cutoff_hz is not None and m.cutoff_hz < t.min_cutoff_hz:
        reasons.append(
            f"{_cutoff_evidence(m, m.cutoff_hz)}, below the {t.min_cutoff_hz / 1000:g} kHz needed (telephone, a low-pass "
            "filter or a low-bitrate codec): record with a wideband microphone and export lossless (WAV, FLAC) "
            "or MP3 at 128 kbps or more"
        )
    return reasons


def _advice(m: AudioMetrics, sample_rate: int, channels: int, t: Thresholds) -> list[str]:
    advice = []
    if t.min_speech_s <= m.speech_duration_s < t.recommended_speech_s:
        advice.append(
            f"{m.speech_duration_s:.0f} s of speech: {t.recommended_speech_s:g} s or more (1-3 minutes in all) "
            "give a closer voice"
        )
    if t.min_snr_db <= m.snr_db < t.recommended_snr_db:
        advice.append(
            f"SNR {m.snr_db:.0f} dB: some background noise (under {t.recommended_snr_db:g} dB); a quieter room "
            "gives a cleaner voice"
        )
    if t.advice_clipping_ratio < m.clipping_ratio <= t.max_clipping_ratio:
        advice.append(f"{_clipping_evidence(m)}: lower the input gain a little to keep the peaks clean")
    if m.cutoff_hz is not None and t.min_cutoff_hz <= m.cutoff_hz < t.recommended_cutoff_hz:
        advice.append(
            f"{_cutoff_evidence(m, m.cutoff_hz)}: a low-pass or a lossy export removed the top; a lossless export "
            "sounds brighter"
        )
    if t.min_sample_rate <= sample_rate < t.recommended_sample_rate:
        advice.append(
            f"sample rate {sample_rate} Hz carries nothing above {sample_rate / 2000:.1f} kHz: "
            f"{t.recommended_sample_rate / 1000:g} kHz or more gives a brighter voice"
        )
    if m.dc_offset > t.max_dc_offset:
        advice.append(f"DC offset of {m.dc_offset:.1%} of full scale: removed by enhancement; check the audio interface")
    if m.channel_correlation is not None and m.channel_correlation < t.min_channel_correlation:
        advice.append(
            f"channels are out of phase (correlation {m.channel_correlation:.2f}): enhancement flips one before "
            "mixing to mono; check the microphone wiring"
        )
    if channels > 2:
        advice.append(f"{channels} channels are mixed down to mono: a mono recording is enough")
    if m.loudness_lufs is not None and m.loudness_lufs < t.min_loudness_lufs:
        advice.append(f"very quiet ({m.loudness_lufs:.0f} LUFS): raise the input gain")
    if m.longest_pause_s > t.max_pause_s:
        advice.append(f"a pause of {m.longest_pause_s:.0f} s: long silences are cut from training clips")
    if m.speech_ratio < t.min_speech_ratio:
        advice.append(f"speech fills only {m.speech_ratio:.0%} of the recording: trim the silence")
    low, high = t.words_per_minute_range
    if m.words_per_minute is not None and not low <= m.words_per_minute <= high:
        advice.append(
            f"the transcript gives {m.words_per_minute:.0f} words per minute of speech: check it matches the audio"
        )
    return advice


def _ramp(value: float, low: float, high: float) -> float:
    return min(max((value - low) / (high - low), 0.0), 1.0)


def effective_bandwidth_hz(m: AudioMetrics, sample_rate: int) -> float:
    """Where the speech spectrum ends: the cutoff, else Nyquist (old metrics: Nyquist, not trusted)."""
    return min(m.cutoff_hz, sample_rate / 2) if m.cutoff_hz is not None else sample_rate / 2


def quality_score(m: AudioMetrics, sample_rate: int) -> float:
    """Weighted mean of sub-scores, each 0 at a poor value and 1 at a good one (same for every target)."""
    parts = [
        (0.35, _ramp(m.snr_db, 10.0, 35.0)),
        (0.15, 1.0 - _ramp(m.clipping_ratio, 0.0, 0.01)),
        (0.15, _ramp(effective_bandwidth_hz(m, sample_rate), 3_000.0, 8_000.0)),
        (0.15, _ramp(m.speech_duration_s, 0.0, 30.0)),
        (0.10, _ramp(m.speech_ratio, 0.0, 0.6)),
        (0.10, _ramp(m.loudness_lufs if m.loudness_lufs is not None else -100.0, -50.0, -30.0)),
    ]
    return sum(weight * part for weight, part in parts)
