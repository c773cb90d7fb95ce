"""Signal checks on real speech: clean lines pass; loops, long pauses, edge silences, clipping and a
text that does not fit the speech are each reported in words."""

from __future__ import annotations

import numpy as np
import pytest

from tests.support.speech import czech_utterances, dutch_utterances, english_utterances
from voiceclone.quality.assessment import signal_issues
from voiceclone.quality.signal import check_signal
from voiceclone.quality.thresholds import limits_for

LIMITS = limits_for("medium")


@pytest.fixture(scope="module")
def real_lines():
    return [*english_utterances(), *czech_utterances("big")[:10], *dutch_utterances("small")[:10]]


def test_clean_real_speech_has_no_loops_and_a_plausible_rate(real_lines):
    for utterance in real_lines:
        report = check_signal(*utterance.load(), utterance.transcript)
        assert report.repeated_fraction <= LIMITS.max_repeated_fraction, utterance.path
        assert LIMITS.min_chars_per_second <= report.chars_per_second <= LIMITS.max_chars_per_second, utterance.path
        assert report.speech_s > 0.5 * report.duration_s


def test_a_looping_stretch_is_reported_as_repeated():
    samples, rate = english_utterances()[0].load()
    stretch = samples[rate : int(2.5 * rate)]
    looped = np.concatenate([samples[: 3 * rate], stretch, stretch, stretch, stretch])
    report = check_signal(looped, rate)
    assert report.repeated_fraction > 0.4
    assert any("repeats an earlier stretch" in issue for issue in signal_issues(report, LIMITS))


def test_pauses_and_edge_silences_are_measured():
    samples, rate = english_utterances()[1].load()
    silence = np.zeros(int(2.0 * rate), np.float32)
    half = len(samples) // 2
    padded = np.concatenate([silence, samples[:half], silence, samples[half:], silence])
    report = check_signal(padded, rate)
    assert report.leading_silence_s == pytest.approx(2.0, abs=0.3)
    assert report.trailing_silence_s == pytest.approx(2.0, abs=0.3)
    assert report.longest_inner_silence_s >= 1.8
    issues = " | ".join(signal_issues(report, LIMITS))
    assert "before the speech starts" in issues and "after the speech ends" in issues and "pause inside" in issues


def test_clipping_and_a_text_too_long_for_the_speech_are_reported():
    utterance = english_utterances()[2]
    samples, rate = utterance.load()
    clipped = np.clip(samples * 20, -1.0, 1.0)
    report = check_signal(clipped, rate, utterance.transcript * 4)
    issues = " | ".join(signal_issues(report, LIMITS))
    assert report.clipped_fraction > 0.01 and "clipped" in issues
    assert "too short for its text" in issues


def test_silence_has_no_speech():
    report = check_signal(np.zeros(16000 * 2, np.float32), 16000, "hello")
    assert signal_issues(report, LIMITS) == ["no speech could be detected in the audio"]
