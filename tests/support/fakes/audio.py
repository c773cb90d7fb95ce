"""Real speech (a LibriVox utterance, tests/support/speech.py) encoded as a provider would send it."""

from __future__ import annotations

import functools
import io

import numpy as np
import soundfile as sf
import soxr

from tests.support.speech import english_utterances

# codec name -> soundfile (format, subtype); RAW has no header
ENCODINGS = {
    "wav": ("WAV", "PCM_16"),
    "wav_ulaw": ("WAV", "ULAW"),
    "wav_alaw": ("WAV", "ALAW"),
    "pcm": ("RAW", "PCM_16"),
    "ulaw": ("RAW", "ULAW"),
    "alaw": ("RAW", "ALAW"),
    "mp3": ("MP3", "MPEG_LAYER_III"),
    "opus": ("OGG", "OPUS"),
    "flac": ("FLAC", "PCM_16"),
}
OPUS_RATES = (8000, 12000, 16000, 24000, 48000)


@functools.cache
def speech_samples(sample_rate: int) -> np.ndarray:
    """One real utterance (~3-7 s) as float32 mono at `sample_rate`."""
    samples, rate = english_utterances()[0].load()
    return samples if rate == sample_rate else soxr.resample(samples, rate, sample_rate).astype(np.float32)


@functools.cache
def speech_bytes(codec: str, sample_rate: int) -> bytes:
    container, subtype = ENCODINGS[codec]
    rate = sample_rate
    if codec == "opus" and rate not in OPUS_RATES:
        rate = 48000
    buffer = io.BytesIO()
    extra = {"endian": "LITTLE"} if container == "RAW" else {}
    sf.write(buffer, speech_samples(rate), rate, format=container, subtype=subtype, **extra)
    return buffer.getvalue()


def malformed_audio(codec: str) -> bytes:
    """Bytes that start like the codec's container and then stop making sense."""
    heads = {"wav": b"RIFF\x24\x00\x00\x00WAVEfmt ", "mp3": b"ID3\x04\x00\x00\x00\x00\x00\x00",
             "opus": b"OggS\x00\x02", "flac": b"fLaC\x00\x00"}
    if codec in ("pcm", "ulaw", "alaw"):
        return b"\x01"  # not one whole 16-bit sample / no speech
    return heads.get(codec.split("_")[0], b"RIFF") + bytes(range(256)) * 4
