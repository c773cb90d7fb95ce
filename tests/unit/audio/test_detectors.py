"""The band-limit, clipping and SNR detectors on real speech with known degradations (Czech, Dutch and
LibriVox voices): a natural roll-off is no cutoff, low-pass and telephone cutoffs are found near the
truth, clipping is found at its level whatever gain followed, white noise and babble read at their SNR."""

from __future__ import annotations

import numpy as np
import pytest
import soxr

from tests.support import degradations as dg
from tests.support import speech
from voiceclone.audio import analyze_array


def joined(utterances, seconds: float) -> tuple[np.ndarray, int]:
    pieces, rate, total = [], None, 0
    for utterance in utterances:
        samples, own_rate = utterance.load()
        rate = rate or own_rate
        pieces.append(samples if own_rate == rate else soxr.resample(samples, own_rate, rate).astype(np.float32))
        total += len(pieces[-1])
        if total >= seconds * rate:
            break
    return np.concatenate(pieces), rate


@pytest.fixture(scope="module")
def voices(long_czech, librivox) -> dict[str, tuple[np.ndarray, int]]:
    """Dutch actors (the natural roll-off of the issue), a Czech actor, a LibriVox reader."""
    return {
        "nl_small": joined(speech.dutch_utterances("small")[40:], 12),
        "nl_big": joined(speech.dutch_utterances("big")[40:], 12),
        "cs_big": (long_czech[0][: 15 * long_czech[1]], long_czech[1]),
        "en_librivox": librivox[:2],
    }


def test_a_natural_roll_off_is_no_cutoff_and_the_clean_voices_are_suitable(voices):
    for name, (samples, rate) in voices.items():
        report = analyze_array(samples, rate)
        assert report.metrics.cutoff_hz is None, (name, report.metrics.cutoff_hz)
        assert report.metrics.bandwidth_hz == rate / 2
        assert report.verdict.suitable_for_training, (name, report.verdict.reasons)
        assert not any("band-limited" in a for a in report.verdict.advice), name


@pytest.mark.parametrize("cutoff", [3400, 4000])
def test_a_low_pass_at_telephone_bandwidth_is_a_cutoff_near_it_and_blocks(voices, cutoff):
    for name, (samples, rate) in voices.items():
        muffled = dg.as_pcm16(dg.low_pass(samples, rate, cutoff))
        report = analyze_array(muffled, rate)
        m = report.metrics
        assert m.cutoff_hz is not None and 0.85 * cutoff <= m.cutoff_hz <= 1.25 * cutoff, (name, m.cutoff_hz)
        assert m.cutoff_depth_db >= 30 and m.cutoff_steepness_db_per_octave >= 40
        assert any(r.startswith("band-limited: the spectrum stops at") and "lossless" in r for r in report.verdict.reasons)


def test_telephone_audio_saved_at_the_original_rate_blocks(voices):
    samples, rate = voices["nl_big"]
    report = analyze_array(dg.as_pcm16(dg.telephone(samples, rate)), rate)
    assert 3000 <= report.metrics.cutoff_hz <= 4200
    assert not report.verdict.suitable_for_training


def test_a_6_khz_low_pass_is_advice_at_medium_and_blocks_at_high(voices):
    # at 22.05 kHz a 48 dB/octave skirt from 6 kHz reaches the floor before Nyquist only for quieter
    # voices (bench/results/calibration.md: cutoff found for most, not all): this one does
    samples, rate = voices["nl_small"]
    report = analyze_array(dg.as_pcm16(dg.low_pass(samples, rate, 6000)), rate)
    assert 5000 <= report.metrics.cutoff_hz <= 7000
    assert report.verdicts["medium"].suitable_for_training
    assert any("band-limited" in a for a in report.verdicts["medium"].advice)
    assert not report.verdicts["high"].suitable_for_training
    assert report.verdicts["low"].suitable_for_training


@pytest.mark.parametrize(("clip_level", "gain_after"), [(0.5, 1.0), (0.5, 0.5), (1.0, 1.0)])
def test_clipping_is_found_at_its_level_whatever_the_gain_after(voices, clip_level, gain_after):
    for name, (samples, rate) in voices.items():
        clipped, truth = dg.clipped(samples, 18.0, clip_level, gain_after)  # overdriven x8
        report = analyze_array(dg.as_pcm16(clipped), rate)
        m = report.metrics
        assert m.clip_level == pytest.approx(min(clip_level * gain_after, 1.0), rel=0.02), name
        assert m.clipping_ratio == pytest.approx(truth, rel=0.2), name
        assert m.flat_top_ratio > 0.5 * truth
        assert any(r.startswith("clipping:") and "input gain" in r for r in report.verdict.reasons), name


def test_the_issue_case_x8_and_flat_topped_at_half_scale(voices):
    samples, rate = voices["nl_small"]
    overdriven = np.clip(samples / np.abs(samples).max() * 8 * 0.5, -0.5, 0.5)
    report = analyze_array(overdriven.astype(np.float32), rate)
    assert report.metrics.clip_level == pytest.approx(0.5, rel=0.01)
    assert report.metrics.clipping_ratio > 0.05
    assert not report.verdict.suitable_for_training and report.verdict.quality_score <= 0.3


def test_clean_speech_has_no_clipping(voices):
    for name, (samples, rate) in voices.items():
        for gain in (1.0, 0.3):
            m = analyze_array(samples * np.float32(gain), rate).metrics
            assert m.clipping_ratio < 1e-4 and m.flat_top_ratio < 1e-4, name


def test_mild_clipping_is_advice_at_medium(voices):
    samples, rate = voices["cs_big"]
    clipped, truth = dg.clipped(samples, 2.0, 0.7, 1.0)
    assert 0.0002 < truth < 0.003
    report = analyze_array(dg.as_pcm16(clipped), rate)
    assert report.verdicts["medium"].suitable_for_training
    assert any(a.startswith("clipping:") for a in report.verdicts["medium"].advice)
    assert not report.verdicts["high"].suitable_for_training


@pytest.fixture(scope="module")
def crowd_talkers() -> list[tuple[np.ndarray, int]]:
    """Six Czech actors other than "big" (10 s each): babble by voices the tested speakers are not."""
    others = [name for name in speech.czech_speakers() if name != "big"][:6]
    return [joined(speech.czech_utterances(name), 10) for name in others]


def crowd(talkers: list[tuple[np.ndarray, int]], rate: int, length: int) -> np.ndarray:
    at_rate = [t if r == rate else soxr.resample(t, r, rate).astype(np.float32) for t, r in talkers]
    return dg.babble([dg.without_pauses(t, rate) for t in at_rate], length)


def test_babble_at_5_db_reads_below_the_snr_floor_and_clean_speech_above(voices, crowd_talkers):
    for name, (samples, rate) in voices.items():
        babble = crowd(crowd_talkers, rate, len(samples))
        noisy = analyze_array(dg.as_pcm16(dg.mix_at_snr(samples, babble, 5)), rate)
        assert noisy.metrics.snr_db < 15, (name, noisy.metrics.snr_db)  # the medium floor
        assert any(r.startswith("SNR") for r in noisy.verdict.reasons), name
        light = analyze_array(dg.as_pcm16(dg.mix_at_snr(samples, babble, 25)), rate).metrics.snr_db
        assert 20 <= light <= 32, (name, light)
        clean = analyze_array(samples, rate)
        assert clean.metrics.snr_db >= 30, (name, clean.metrics.snr_db)
        assert not any(r.startswith("SNR") for r in clean.verdict.reasons), name


@pytest.mark.parametrize("mixed_snr_db", [0, 9, 17, 30])
def test_white_noise_reads_at_its_snr_and_the_floor_depends_on_the_target(voices, mixed_snr_db):
    samples, rate = voices["nl_big"]
    report = analyze_array(dg.as_pcm16(dg.white_noise(samples, mixed_snr_db, seed=3)), rate)
    assert report.metrics.snr_db == pytest.approx(mixed_snr_db, abs=2.5)
    blocked = {t: any(r.startswith("SNR") for r in v.reasons) for t, v in report.verdicts.items()}
    assert blocked == {"low": mixed_snr_db < 10, "medium": mixed_snr_db < 15, "high": mixed_snr_db < 20}
    if mixed_snr_db == 17:
        assert any(a.startswith("SNR 1") and "quieter room" in a for a in report.verdicts["medium"].advice)
