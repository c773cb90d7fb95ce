"""Degraded copies of real speech with known truth, for tests and the calibration benchmark.

Each function takes float32 mono samples and returns new float32 samples (and the truth where it is
not the parameter itself). `as_pcm16` rounds to 16-bit as a WAV export would (its quantisation floor).
"""

from __future__ import annotations

import functools
import io

import numpy as np
import soundfile as sf
import soxr
from scipy import signal


def as_pcm16(samples: np.ndarray) -> np.ndarray:
    return (np.round(np.clip(samples, -1.0, 32767 / 32768) * 32768) / 32768).astype(np.float32)


def power(samples: np.ndarray) -> float:
    return float(np.mean(np.square(samples, dtype=np.float64)))


def mix_at_snr(speech: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """`noise` scaled to `snr_db` below the speech power of the whole recording, added, kept in range."""
    noise = np.resize(noise, len(speech)).astype(np.float32)
    noise *= np.float32(np.sqrt(power(speech) / max(power(noise), 1e-20) / 10 ** (snr_db / 10)))
    mixed = speech + noise
    return (mixed / max(1.0, float(np.abs(mixed).max()) / 0.99)).astype(np.float32)


def white_noise(speech: np.ndarray, snr_db: float, seed: int = 0) -> np.ndarray:
    noise = np.random.default_rng(seed).standard_normal(len(speech)).astype(np.float32)
    return mix_at_snr(speech, noise, snr_db)


def without_pauses(speech: np.ndarray, sample_rate: int, below_db: float = 30.0) -> np.ndarray:
    """Only the 20 ms frames within `below_db` of the loudest: a talker of a crowd, who never pauses
    (babble of such talkers has no common silences, as a room full of people has none)."""
    frame = int(0.02 * sample_rate)
    usable = len(speech) // frame * frame
    frames = speech[:usable].reshape(-1, frame)
    power = np.mean(np.square(frames, dtype=np.float64), axis=1)
    return frames[power >= power.max(initial=0.0) * 10 ** (-below_db / 10)].reshape(-1)


def babble(others: list[np.ndarray], length: int) -> np.ndarray:
    """Several other talkers at once (each normalised to the same power), `length` samples."""
    talkers = [np.resize(o, length) / np.sqrt(max(power(o), 1e-20)) for o in others if len(o)]
    return np.sum(talkers, axis=0).astype(np.float32)


def clipped(speech: np.ndarray, overdrive_db: float, clip_level: float, gain_after: float) -> tuple[np.ndarray, float]:
    """Speech driven `overdrive_db` past `clip_level` (its peak that far above), flat-topped there,
    then scaled by `gain_after` (a gain stage, then normalisation). Returns the copy and the true
    share of samples that were clipped."""
    peak = float(np.abs(speech).max())
    driven = speech * np.float32(clip_level * 10 ** (overdrive_db / 20) / peak)
    truth = float(np.mean(np.abs(driven) > clip_level))
    return (np.clip(driven, -clip_level, clip_level) * np.float32(gain_after)).astype(np.float32), truth


def low_pass(speech: np.ndarray, sample_rate: int, cutoff_hz: float, order: int = 8) -> np.ndarray:
    """Butterworth low-pass (order 8: 48 dB/octave), as an equaliser or a band-limiting filter leaves."""
    sos = signal.butter(order, cutoff_hz, fs=sample_rate, output="sos")
    return signal.sosfilt(sos, speech).astype(np.float32)


def telephone(speech: np.ndarray, sample_rate: int) -> np.ndarray:
    """Down to 8 kHz and back (what a telephone recording saved at the original rate holds)."""
    narrow = soxr.resample(speech, sample_rate, 8000)
    return soxr.resample(narrow, 8000, sample_rate).astype(np.float32)[: len(speech)]


@functools.cache
def _mp3_level(sample_rate: int, kbps: int) -> float:
    """libsndfile's MP3 compression level giving `kbps` CBR at this rate (found by bisection)."""
    probe = np.random.default_rng(0).standard_normal(sample_rate * 2).astype(np.float32) * 0.1
    low, high = 0.0, 0.99
    for _ in range(12):
        middle = (low + high) / 2
        if _mp3_kbps(probe, sample_rate, middle) > kbps:
            low = middle
        else:
            high = middle
    return high


def _mp3_bytes(speech: np.ndarray, sample_rate: int, level: float) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, speech, sample_rate, format="MP3", compression_level=level, bitrate_mode="CONSTANT")
    return buffer.getvalue()


def _mp3_kbps(speech: np.ndarray, sample_rate: int, level: float) -> float:
    return len(_mp3_bytes(speech, sample_rate, level)) * 8 / (len(speech) / sample_rate) / 1000


def mp3(speech: np.ndarray, sample_rate: int, kbps: int) -> tuple[np.ndarray, float]:
    """Encoded as CBR MP3 at (about) `kbps` by libsndfile/LAME and decoded. Returns the audio and the
    bitrate it got."""
    level = _mp3_level(sample_rate, kbps)
    encoded = _mp3_bytes(speech, sample_rate, level)
    decoded, _ = sf.read(io.BytesIO(encoded), dtype="float32")
    decoded = decoded[: len(speech)]
    return decoded, len(encoded) * 8 / (len(speech) / sample_rate) / 1000


def reverberant(speech: np.ndarray, sample_rate: int, rt60_s: float, seed: int = 0) -> np.ndarray:
    """Convolved with an exponentially decaying noise impulse response (a room of that RT60)."""
    length = int(rt60_s * sample_rate)
    time = np.arange(length) / sample_rate
    response = np.random.default_rng(seed).standard_normal(length) * 10 ** (-3 * time / rt60_s)
    response[0] = 1.0 / 0.3  # the direct sound
    wet = signal.fftconvolve(speech, response)[: len(speech)]
    return (wet * (np.abs(speech).max() / max(np.abs(wet).max(), 1e-9))).astype(np.float32)


def dc_offset(speech: np.ndarray, offset: float) -> np.ndarray:
    return (speech * np.float32(0.9) + np.float32(offset)).astype(np.float32)


def mains_hum(speech: np.ndarray, sample_rate: int, below_speech_db: float, mains_hz: float = 50.0) -> np.ndarray:
    """50 Hz and its odd harmonics (a ground loop), `below_speech_db` under the speech power."""
    time = np.arange(len(speech)) / sample_rate
    hum = sum(np.sin(2 * np.pi * mains_hz * k * time) / k for k in (1, 3, 5, 7)).astype(np.float32)
    return mix_at_snr(speech, hum, below_speech_db)
