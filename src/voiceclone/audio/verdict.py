"""The verdict on a recording: suitable for training or not, why, and a quality score 0..1.

All thresholds live in `Thresholds` (documented in README.md, "Verdict and thresholds"). A *reason* blocks training and
tells the uploader what to change; *advice* is a finding that does not block (enhancement fixes it or
it only lowers quality).
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict

from voiceclone.audio.codecs import AudioInfo
from voiceclone.audio.report import AudioMetrics, Verdict


class Thresholds(BaseModel):
    model_config = ConfigDict(frozen=True)

    min_speech_s: float = 3.0  # blocking: too little speech to learn a voice from
    recommended_speech_s: float = 10.0  # advice below this
    min_snr_db: float = 15.0  # blocking: noise would be cloned with the voice
    recommended_snr_db: float = 25.0  # advice below this
    max_clipping_ratio: float = 0.001  # blocking: 0.1 % of samples at full scale
    min_sample_rate: int = 16_000  # blocking: XTTS trains at 22.05 kHz
    min_bandwidth_hz: float = 5_500.0  # blocking: telephone / heavily compressed audio
    recommended_bandwidth_hz: float = 7_000.0  # advice below this
    max_dc_offset: float = 0.01  # advice: enhancement removes it
    min_channel_correlation: float = -0.3  # advice: enhancement flips the inverted channel
    min_dynamic_range_db: float = 6.0  # blocking below: silence or steady noise, no speech
    min_pitch_spread_semitones: float = 1.0  # blocking below (with mostly voiced frames): a steady tone
    min_loudness_lufs: float = -40.0  # advice: very quiet recording
    max_pause_s: float = 5.0  # advice: long pauses
    min_speech_ratio: float = 0.3  # advice
    words_per_minute_range: tuple[float, float] = (60.0, 300.0)  # advice: transcript may not match
    blocked_score_cap: float = 0.3  # quality_score never exceeds this when a reason blocks training


DEFAULT_THRESHOLDS = Thresholds()


def judge(info: AudioInfo, metrics: AudioMetrics, thresholds: Thresholds | None = None) -> Verdict:
    t = thresholds or DEFAULT_THRESHOLDS
    reasons = _blocking_reasons(info, metrics, t)
    advice = _advice(info, metrics, t) if not _no_speech(metrics, t) else []
    score = _quality_score(info, metrics)
    if reasons:
        score = min(score, t.blocked_score_cap)
    return Verdict(suitable_for_training=not reasons, quality_score=round(score, 3), reasons=reasons, advice=advice)


def _no_speech(m: AudioMetrics, t: Thresholds) -> bool:
    return m.dynamic_range_db < t.min_dynamic_range_db or m.speech_duration_s < 0.3


def _steady_tone(m: AudioMetrics, t: Thresholds) -> bool:
    spread = m.pitch_spread_semitones
    return spread is not None and spread < t.min_pitch_spread_semitones and m.voiced_ratio > 0.8


def _blocking_reasons(info: AudioInfo, m: AudioMetrics, t: Thresholds) -> list[str]:
    reasons = []
    # defects of the file itself, whatever it holds
    if m.nonfinite_ratio > 0:
        reasons.append(
            f"{m.nonfinite_ratio:.2%} of samples are NaN or infinite: the file is damaged, export it again"
        )
    if m.clipping_ratio > t.max_clipping_ratio:
        reasons.append(f"clipping in {m.clipping_ratio:.1%} of samples: lower the input gain and record again")
    if info.sample_rate < t.min_sample_rate:
        reasons.append(
            f"sample rate {info.sample_rate} Hz is too low: record at 22.05 kHz or more "
            f"(at least {t.min_sample_rate // 1000} kHz)"
        )
    # then the speech in it
    if _no_speech(m, t):
        reasons.append(
            "no speech detected (silence, a steady tone or constant noise): check the microphone and record again"
        )
        return reasons
    if _steady_tone(m, t):
        reasons.append("the recording is a steady tone, not speech: upload a recording of your voice")
        return reasons
    if m.speech_duration_s < t.min_speech_s:
        reasons.append(
            f"only {m.speech_duration_s:.1f} s of speech: record at least {t.min_speech_s:.0f} s "
            f"(1-3 minutes give the best voice)"
        )
    if m.snr_db < t.min_snr_db:
        reasons.append(f"SNR {m.snr_db:.0f} dB: record in a quieter room or closer to the microphone")
    if info.sample_rate >= t.min_sample_rate and m.bandwidth_hz < t.min_bandwidth_hz:
        reasons.append(
            f"audio is band-limited to {m.bandwidth_hz / 1000:.1f} kHz (telephone or heavily compressed): "
            "record with a wideband microphone and export lossless or MP3 at 128 kbps or more"
        )
    return reasons


def _advice(info: AudioInfo, m: AudioMetrics, t: Thresholds) -> list[str]:
    advice = []
    if t.min_speech_s <= m.speech_duration_s < t.recommended_speech_s:
        advice.append(f"{m.speech_duration_s:.0f} s of speech: 1-3 minutes give a closer voice")
    if t.min_snr_db <= m.snr_db < t.recommended_snr_db:
        advice.append(f"SNR {m.snr_db:.0f} dB: some background noise; a quieter room gives a cleaner voice")
    if t.min_bandwidth_hz <= m.bandwidth_hz < t.recommended_bandwidth_hz:
        advice.append(f"audio is band-limited to {m.bandwidth_hz / 1000:.1f} kHz: a lossless export sounds better")
    if m.dc_offset > t.max_dc_offset:
        advice.append(f"DC offset of {m.dc_offset:.1%} of full scale: removed by enhancement; check the audio interface")
    if m.channel_correlation is not None and m.channel_correlation < t.min_channel_correlation:
        advice.append(
            f"channels are out of phase (correlation {m.channel_correlation:.2f}): enhancement flips one before "
            "mixing to mono; check the microphone wiring"
        )
    if info.channels > 2:
        advice.append(f"{info.channels} channels are mixed down to mono: a mono recording is enough")
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
    return float(np.clip((value - low) / (high - low), 0.0, 1.0))


# (weight, sub-score) pairs: each sub-score is 0 at a poor value and 1 at a good one.
def _quality_score(info: AudioInfo, m: AudioMetrics) -> float:
    parts = [
        (0.35, _ramp(m.snr_db, 10.0, 35.0)),
        (0.15, 1.0 - _ramp(m.clipping_ratio, 0.0, 0.01)),
        (0.15, _ramp(min(m.bandwidth_hz, info.sample_rate / 2), 3_000.0, 8_000.0)),
        (0.15, _ramp(m.speech_duration_s, 0.0, 30.0)),
        (0.10, _ramp(m.speech_ratio, 0.0, 0.6)),
        (0.10, _ramp(m.loudness_lufs if m.loudness_lufs is not None else -100.0, -50.0, -30.0)),
    ]
    return sum(weight * part for weight, part in parts)
