"""What every successful synthesis must satisfy: real speech, decoded, at the expected rate and length,
normalised to the platform's loudness in the platform's format."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

from tests.support.fakes.audio import speech_samples
from voiceclone.audio.codecs import sniff_format
from voiceclone.audio.loudness import integrated_loudness
from voiceclone.engines.remote.output import decode, render_speech
from voiceclone.engines.remote.provider_audio import ProviderAudio
from voiceclone.workers.postprocess import PEAK_CEILING, TARGET_LUFS, normalize_loudness

CONTAINERS = {"mp3": "mp3", "wav": "wav", "flac": "flac", "ogg": "ogg_vorbis"}


def assert_real_speech(audio: ProviderAudio, sample_rate: int) -> None:
    """Decodes to the fake's utterance: same length, same rate, correlated with the original."""
    samples, rate = decode(audio)
    assert rate == sample_rate
    original = speech_samples(sample_rate)
    assert abs(len(samples) - len(original)) < 0.1 * sample_rate  # codec padding only
    overlap = min(len(samples), len(original))
    assert np.corrcoef(_envelope(samples[:overlap]), _envelope(original[:overlap]))[0, 1] > 0.9


def _envelope(samples: np.ndarray, blocks: int = 50) -> np.ndarray:
    return np.array([np.abs(block).mean() for block in np.array_split(samples, blocks)])


def assert_platform_file(audio: ProviderAudio, output_format: str) -> None:
    speech = render_speech(audio, output_format)
    assert str(sniff_format(speech.data[:512])) == CONTAINERS[output_format]
    samples, rate = sf.read(io.BytesIO(speech.data), dtype="float32")
    assert rate == speech.sample_rate
    assert speech.duration_s == pytest.approx(len(samples) / rate, abs=0.1)
    decoded, _ = decode(audio)
    # as self-hosted output: -16 LUFS unless the -1 dBFS peak ceiling stops it lower
    expected = integrated_loudness(normalize_loudness(decoded, rate), rate)
    assert expected <= TARGET_LUFS + 0.1
    assert integrated_loudness(samples, rate) == pytest.approx(expected, abs=1.0)
    assert integrated_loudness(samples, rate) > integrated_loudness(decoded, rate) + 3  # the fake's speech is quiet
    assert np.abs(samples).max() <= PEAK_CEILING * 1.12  # lossy codecs overshoot a little
