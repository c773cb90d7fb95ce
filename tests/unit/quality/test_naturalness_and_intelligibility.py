"""DNSMOS on real speech (clean above 10 dB noisy) and the word/character error rates."""

from __future__ import annotations

import numpy as np

from tests.unit.quality.conftest import RATE
from voiceclone.quality.intelligibility import NO_ASR, error_rates, measure
from voiceclone.quality.naturalness import dnsmos_model


def _noisy(clean: np.ndarray, snr_db: float, seed: int) -> np.ndarray:
    noise = np.random.default_rng(seed).standard_normal(len(clean)).astype(np.float32)
    noise *= np.sqrt(np.mean(clean**2) / np.mean(noise**2)) / 10 ** (snr_db / 20)
    return np.clip(clean + noise, -1, 1)


def test_dnsmos_ranks_clean_real_speech_above_noisy(real_speakers):
    model = dnsmos_model()
    for seed, name in enumerate(real_speakers):
        clean = real_speakers[name][0]
        clean_score, noisy_score = model.score(clean, RATE), model.score(_noisy(clean, 10, seed), RATE)
        assert 1.0 <= noisy_score.ovrl < clean_score.ovrl <= 5.0, name
        assert noisy_score.bak < clean_score.bak, name  # the background score is what noise hurts
        assert clean_score.windows == 1


def test_error_rates_ignore_case_and_punctuation():
    assert error_rates("Hello, world!", "hello world") == (0.0, 0.0)
    assert error_rates("the cat sat", "the bat sat down") == (round(2 / 3, 4), round(5 / 9, 4))


def test_without_asr_intelligibility_is_absent_and_says_so():
    result = measure(None, np.zeros(16000, np.float32), 16000, "hello", "en")
    assert not result.available and result.wer is None and result.note == NO_ASR


class _FixedTranscriber:
    """Stands for a real ASR model; measure() writes the WAV it would read."""

    def transcribe(self, audio_path, language):
        import soundfile

        assert soundfile.info(audio_path).samplerate == 16000 and language == "en"
        return "hello word"


def test_with_asr_the_transcript_is_scored():
    result = measure(_FixedTranscriber(), np.zeros(16000, np.float32), 16000, "Hello world.", "en")
    assert result.available and result.wer == 0.5 and result.transcript == "hello word"
