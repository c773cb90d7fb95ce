"""The one loudness normaliser (voiceclone.audio.loudness): BS.1770 on real speech, and the same level
from both of its users, the enhancement of training clips and the speech users download."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest
from scipy import signal

from tests.support import speech
from voiceclone.audio import ArrayAudio
from voiceclone.audio.enhancement import EnhanceOptions, enhance
from voiceclone.audio.loudness import integrated_loudness, k_weighting_sos, normalize_loudness, true_peak_dbtp
from voiceclone.workers import postprocess

# ITU-R BS.1770-4, tables 1 and 2: the K-weighting stages at 48 kHz.
BS1770_48K_SHELF = ([1.53512485958697, -2.69169618940638, 1.19839281085285], [1.0, -1.69065929318241, 0.73248077421585])
BS1770_48K_HIGH_PASS = ([1.0, -2.0, 1.0], [1.0, -1.99004745483398, 0.99007225036621])


def _reference(samples: np.ndarray, rate: int) -> float:
    """pyloudnorm's integrated loudness: an independent BS.1770 implementation."""
    return float(pyloudnorm.Meter(rate).integrated_loudness(samples.astype(np.float64)))


def test_k_weighting_matches_the_standard_at_48_khz():
    frequencies = np.geomspace(20, 20_000, 200)
    _, ours = signal.sosfreqz(k_weighting_sos(48_000), worN=frequencies, fs=48_000)
    sos = np.vstack([np.concatenate(BS1770_48K_SHELF), np.concatenate(BS1770_48K_HIGH_PASS)])
    _, standard = signal.sosfreqz(sos, worN=frequencies, fs=48_000)
    assert np.abs(20 * np.log10(np.abs(ours) / np.abs(standard))).max() < 0.05


def test_a_full_scale_997_hz_sine_reads_minus_3_lufs():
    """BS.1770's calibration: a 0 dBFS 997 Hz sine in one channel is -3.01 LKFS."""
    rate = 48_000
    sine = np.sin(2 * np.pi * 997 * np.arange(5 * rate) / rate).astype(np.float32)
    assert integrated_loudness(sine, rate) == pytest.approx(-3.01, abs=0.05)


def test_speech_lands_on_the_target_under_the_true_peak_ceiling(librivox):
    samples, rate, _ = librivox
    quiet = normalize_loudness(samples, rate, target_lufs=-23.0, true_peak_ceiling_dbtp=-1.0)
    assert not quiet.peak_limited and quiet.loudness_lufs == pytest.approx(-23.0, abs=0.01)
    assert _reference(quiet.samples, rate) == pytest.approx(-23.0, abs=0.1)
    loud = normalize_loudness(samples, rate, target_lufs=-6.0, true_peak_ceiling_dbtp=-1.0)
    assert loud.peak_limited and true_peak_dbtp(loud.samples) == pytest.approx(-1.0, abs=0.05)
    assert loud.loudness_lufs is not None and loud.loudness_lufs < -6.0
    assert _reference(loud.samples, rate) == pytest.approx(loud.loudness_lufs, abs=0.1)


def test_what_the_meter_cannot_measure_keeps_its_level_under_the_ceiling():
    rate = 24_000
    blip = np.full(rate // 10, 0.99, dtype=np.float32)  # 100 ms: under one 400 ms gating block
    short = normalize_loudness(blip, rate, target_lufs=-16.0, true_peak_ceiling_dbtp=-1.0)
    assert short.loudness_lufs is None and short.peak_limited
    assert np.abs(short.samples).max() <= 10 ** (-1.0 / 20) + 1e-6
    silence = normalize_loudness(np.zeros(rate, dtype=np.float32), rate, -16.0, -1.0)
    assert silence.loudness_lufs is None and not silence.peak_limited and not silence.samples.any()


def test_enhancement_and_output_give_the_same_loudness_on_real_speech():
    """Training clips and downloaded speech are levelled by the same code: asked for the output's target
    and ceiling, an utterance enhanced into one clip measures what its output measures (by pyloudnorm
    too). Enhancement's high pass and trimming change the signal a little, hence 0.3 LU."""
    options = EnhanceOptions(target_lufs=postprocess.TARGET_LUFS, true_peak_ceiling_dbtp=postprocess.TRUE_PEAK_CEILING_DBTP)
    compared, on_target = 0, 0
    for utterance in speech.czech_utterances("big")[:8]:
        samples, rate = utterance.load()
        output = postprocess.normalize_loudness(samples, rate)
        clips, _ = enhance(ArrayAudio(samples, rate), options=options)
        assert np.abs(output).max() <= postprocess.PEAK_CEILING + 1e-6
        if len(clips) != 1:
            continue
        compared += 1
        clip = clips[0]
        assert _reference(clip.samples, clip.sample_rate) == pytest.approx(_reference(output, rate), abs=0.3)
        output_limited = true_peak_dbtp(output) >= postprocess.TRUE_PEAK_CEILING_DBTP - 0.05
        if not clip.peak_limited and not output_limited:
            on_target += 1
            assert clip.loudness_lufs == pytest.approx(postprocess.TARGET_LUFS, abs=0.01)
            assert _reference(clip.samples, clip.sample_rate) == pytest.approx(postprocess.TARGET_LUFS, abs=0.2)
            assert _reference(output, rate) == pytest.approx(postprocess.TARGET_LUFS, abs=0.2)
    assert compared >= 6 and on_target >= 2
