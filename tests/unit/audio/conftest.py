"""Real speech for the audio tests (from tests/support/speech.py) and small signal helpers."""

from __future__ import annotations

import numpy as np
import pytest

from tests.support import speech
from voiceclone.audio import activity


@pytest.fixture(scope="session")
def clean_czech() -> list[tuple[np.ndarray, int, str]]:
    """Six Czech utterances (>= 3 s) whose own noise floor is at least 45 dB below the speech."""
    chosen = []
    for utterance in speech.czech_utterances("small") + speech.czech_utterances("big"):
        samples, rate = utterance.load()
        if len(samples) < 3 * rate:
            continue
        if activity.snr_db(activity.frame_powers(samples, int(0.02 * rate))) >= 45:
            chosen.append((samples, rate, utterance.transcript))
        if len(chosen) == 6:
            break
    assert len(chosen) == 6
    return chosen


@pytest.fixture(scope="session")
def librivox() -> tuple[np.ndarray, int, str]:
    """The longest LibriVox utterance (7.1 s, 16 kHz) and its transcript."""
    utterance = max(speech.english_utterances(), key=lambda u: u.duration_s)
    samples, rate = utterance.load()
    return samples, rate, utterance.transcript


@pytest.fixture(scope="session")
def long_czech() -> tuple[np.ndarray, int]:
    """40 s of real Czech speech by one speaker at 22.05 kHz."""
    return speech.concatenated_speech(40, speaker="big")


def add_white_noise(samples: np.ndarray, snr_db: float, seed: int = 7) -> np.ndarray:
    """White Gaussian noise at `snr_db` below the speech power of the whole utterance."""
    noise = np.random.default_rng(seed).standard_normal(len(samples)).astype(np.float32)
    noise *= np.sqrt(np.mean(np.square(samples, dtype=np.float64)) / 10 ** (snr_db / 10))
    return (samples + noise).astype(np.float32)
