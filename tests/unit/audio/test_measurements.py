"""Measurements against known truth on real speech: SNR of white-noise mixes, loudness, peaks, pitch,
injected clipping, DC offset, low-pass and inverted stereo."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest
from scipy import signal

from tests.support import speech
from tests.unit.audio.conftest import add_white_noise
from voiceclone.audio import analyze_array
from voiceclone.audio.analysis import StreamFeatures
from voiceclone.audio.loudness import integrated_loudness, true_peak_dbtp


@pytest.mark.parametrize("mixed_snr_db", [5, 10, 20, 30])
def test_snr_estimate_within_3_db_of_the_white_noise_mix(clean_czech, mixed_snr_db):
    for index, (samples, rate, _) in enumerate(clean_czech):
        noisy = add_white_noise(samples, mixed_snr_db, seed=index)
        estimate = analyze_array(noisy, rate).metrics.snr_db
        assert abs(estimate - mixed_snr_db) <= 3.0, (index, estimate)


def test_clean_speech_scores_high_snr_and_is_suitable(clean_czech, long_czech):
    samples, rate = long_czech
    report = analyze_array(samples, rate)
    # the floor of its pauses (0.3 s and longer) is 32 dB down: clean even for the high target (30 dB)
    assert report.metrics.snr_db >= 30
    assert report.verdict.suitable_for_training, report.verdict.reasons
    assert report.verdict.quality_score >= 0.8
    assert 0.6 <= report.metrics.speech_ratio <= 1.0


def test_noisy_speech_is_rejected_with_an_actionable_snr_reason(long_czech):
    samples, rate = long_czech
    report = analyze_array(add_white_noise(samples, 9), rate)
    assert not report.verdict.suitable_for_training
    assert any(r.startswith("SNR") and "quieter room" in r for r in report.verdict.reasons)
    assert report.verdict.quality_score <= 0.3


def test_streamed_loudness_matches_pyloudnorm(long_czech, librivox):
    for samples, rate in (long_czech, librivox[:2]):
        expected = pyloudnorm.Meter(rate).integrated_loudness(samples.astype(np.float64))
        assert integrated_loudness(samples, rate) == pytest.approx(expected, abs=0.1)
        # the analysis feeds the meter in 10 s blocks with carried filter state
        assert analyze_array(samples, rate).metrics.loudness_lufs == pytest.approx(expected, abs=0.1)


def test_true_peak_matches_full_oversampling(long_czech):
    samples, _ = long_czech
    reference = 20 * np.log10(np.abs(signal.resample_poly(samples, 4, 1)).max())
    assert true_peak_dbtp(samples) == pytest.approx(reference, abs=0.05)
    # a sine at a quarter of the sample rate, sampled 45 degrees off its peaks: the peak lies between samples
    quarter = 0.5 * np.sin(np.pi / 2 * np.arange(4000) + np.pi / 4)
    assert 20 * np.log10(np.abs(quarter).max()) == pytest.approx(20 * np.log10(0.5) - 3.0, abs=0.1)
    assert true_peak_dbtp(quarter.astype(np.float32)) == pytest.approx(20 * np.log10(0.5), abs=0.3)


@pytest.mark.parametrize("frequency", [90.0, 180.0, 320.0])
def test_pitch_of_a_tone_is_its_frequency(frequency):
    rate = 22050
    time = np.arange(3 * rate) / rate
    # harmonics and a gap make it speech-like enough to pass the activity detector
    tone = sum(0.3 / k * np.sin(2 * np.pi * k * frequency * time) for k in (1, 2, 3))
    tone[rate : rate + rate // 2] = 0
    metrics = analyze_array(tone.astype(np.float32), rate).metrics
    assert metrics.pitch_median_hz == pytest.approx(frequency, rel=0.01)


def test_pitch_of_real_speech_agrees_with_librosa_pyin(librivox):
    import librosa

    samples, rate, _ = librivox
    f0, voiced, _ = librosa.pyin(samples, fmin=60, fmax=500, sr=rate)
    reference = float(np.nanmedian(f0[voiced]))
    assert analyze_array(samples, rate).metrics.pitch_median_hz == pytest.approx(reference, rel=0.08)


def test_injected_clipping_is_detected(long_czech):
    samples, rate = long_czech
    assert analyze_array(samples * 0.5, rate).metrics.clipping_ratio < 0.001
    clipped = np.clip(samples * 8, -1, 1)  # 18 dB too much gain
    report = analyze_array(clipped, rate)
    assert report.metrics.clipping_ratio > 0.01
    assert any("clipping" in r and "input gain" in r for r in report.verdict.reasons)


def test_dc_offset_is_detected(long_czech):
    samples, rate = long_czech
    assert analyze_array(samples, rate).metrics.dc_offset < 0.001
    report = analyze_array(samples * 0.5 + 0.05, rate)
    assert report.metrics.dc_offset == pytest.approx(0.05, abs=0.002)
    assert any("DC offset" in a for a in report.verdict.advice)


def test_low_pass_is_detected_as_low_bandwidth(long_czech, librivox):
    for samples, rate in (long_czech, librivox[:2]):
        assert analyze_array(samples, rate).metrics.bandwidth_hz > 6500
        muffled = signal.sosfilt(signal.butter(8, 3400, fs=rate, output="sos"), samples).astype(np.float32)
        report = analyze_array(muffled, rate)
        assert report.metrics.bandwidth_hz < 5000
        assert any("band-limited" in r for r in report.verdict.reasons)


def test_stereo_out_of_phase_is_detected_and_does_not_cancel(long_czech):
    samples, rate = long_czech
    inverted = np.stack([samples, -samples], axis=1)
    report = analyze_array(inverted, rate)
    assert report.metrics.channel_correlation == pytest.approx(-1.0, abs=0.01)
    assert any("out of phase" in a for a in report.verdict.advice)
    # the polarity-aware mix keeps the voice: the same speech measurements as the mono original
    mono = analyze_array(samples, rate).metrics
    assert report.metrics.speech_ratio == pytest.approx(mono.speech_ratio, abs=0.01)
    assert report.verdict.suitable_for_training


def test_silences_and_speaking_rate(librivox):
    samples, rate, transcript = librivox
    padded = np.concatenate([np.zeros(2 * rate), samples, np.zeros(rate), samples, np.zeros(3 * rate)])
    metrics = analyze_array(padded.astype(np.float32), rate, transcript + " " + transcript).metrics
    assert metrics.leading_silence_s == pytest.approx(2.0, abs=0.2)
    assert metrics.trailing_silence_s == pytest.approx(3.0, abs=0.3)  # the reading's own tail counts too
    assert metrics.longest_pause_s == pytest.approx(1.0, abs=0.3)
    # an audiobook reader: 150-200 words per minute
    assert 120 <= metrics.words_per_minute <= 230


def test_long_recording_measures_spectrum_and_pitch_on_every_kth_frame():
    """Past SUMMARY_MAX_S, pitch and the long-term spectrum come from every k-th frame of every block:
    half the frames here, and the figures stay those of measuring every frame."""
    samples, rate = speech.concatenated_speech(240, 22050, speaker="big")  # one voice, 4 minutes: k = 2
    sampled, every = _features(samples, rate, len(samples)), _features(samples, rate, 0)  # 0: length unknown
    assert (sampled.summary_stride, every.summary_stride) == (2, 1)
    assert sum(map(len, sampled.pitch_frames)) == pytest.approx(sum(map(len, every.pitch_frames)) / 2, abs=30)
    assert sampled.spectra.frames.sum() == pytest.approx(every.spectra.frames.sum() / 2, abs=30)
    got, want = sampled.metrics(None), every.metrics(None)
    assert got.pitch_median_hz == pytest.approx(want.pitch_median_hz, rel=0.02)
    assert got.pitch_p95_hz == pytest.approx(want.pitch_p95_hz, rel=0.03)
    assert got.voiced_ratio == pytest.approx(want.voiced_ratio, abs=0.03)
    assert got.loudness_lufs == want.loudness_lufs  # every sample either way
    muffled = signal.sosfilt(signal.butter(8, 3400, fs=rate, output="sos"), samples).astype(np.float32)
    got = _features(muffled, rate, len(muffled)).metrics(None)
    assert got.cutoff_hz == pytest.approx(_features(muffled, rate, 0).metrics(None).cutoff_hz, rel=0.03)
    report = analyze_array(muffled, rate)  # the same sampling through the public entry point
    assert report.metrics.cutoff_hz == pytest.approx(3400, rel=0.15)
    assert any("band-limited" in r for r in report.verdict.reasons)


def _features(samples: np.ndarray, rate: int, expected_frames: int) -> StreamFeatures:
    features = StreamFeatures(rate, 1, expected_frames)
    for start in range(0, len(samples), features.block_len):
        features.add(samples[start : start + features.block_len, None])
    return features
