"""Stationary noise reduction by spectral gating: a Wiener-like gain from a noise spectrum measured
in the quietest frames, smoothed over time and frequency against "musical noise", with a floor."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import fft, ndimage

FFT_S = 0.032
OVERLAP = 4  # hop = FFT length / 4 (Hann analysis and synthesis windows)
NOISE_FRAME_SHARE = 0.1  # the quietest 10 % of STFT frames define the noise spectrum
OVER_SUBTRACTION = 1.5
GAIN_FLOOR = 0.1  # -20 dB: never silence a bin entirely (keeps breath and room natural)
SMOOTHING = (3, 5)  # frames x bins


def reduce_noise(mono: np.ndarray, sample_rate: int) -> np.ndarray:
    """The signal with its stationary background noise reduced (same length, float32)."""
    n_fft = 1 << int(np.ceil(np.log2(FFT_S * sample_rate)))
    if len(mono) < 2 * n_fft:
        return mono
    window = np.hanning(n_fft + 1)[:-1].astype(np.float32)  # periodic Hann
    spectrum = _stft(mono.astype(np.float32, copy=False), window)  # frames x bins
    power = np.square(np.abs(spectrum))
    noise = _noise_spectrum(power)
    gain = 1.0 - OVER_SUBTRACTION * noise / np.maximum(power, 1e-20)
    gain = ndimage.uniform_filter(np.clip(gain, GAIN_FLOOR, 1.0), size=SMOOTHING)
    return _istft(spectrum * gain, window, len(mono))


def _stft(signal: np.ndarray, window: np.ndarray) -> np.ndarray:
    n_fft, hop = len(window), len(window) // OVERLAP
    padded = np.pad(signal, (n_fft, n_fft + (-len(signal)) % hop))
    frames = sliding_window_view(padded, n_fft)[::hop] * window
    return fft.rfft(frames, axis=1)


def _istft(spectrum: np.ndarray, window: np.ndarray, length: int) -> np.ndarray:
    """Weighted overlap-add, normalised by the summed squared windows."""
    n_fft, hop = len(window), len(window) // OVERLAP
    frames = fft.irfft(spectrum, n_fft, axis=1).astype(np.float32) * window
    output = _overlap_add(frames, hop)
    weight = _overlap_add(np.broadcast_to(np.square(window), frames.shape), hop)
    return (output / np.maximum(weight, 1e-6))[n_fft : n_fft + length].astype(np.float32)


def _overlap_add(frames: np.ndarray, hop: int) -> np.ndarray:
    count, width = frames.shape
    parts = width // hop
    chunks = frames.reshape(count, parts, hop)
    blocks = np.zeros((count + parts - 1, hop), dtype=np.float32)
    for part in range(parts):
        blocks[part : part + count] += chunks[:, part]
    return blocks.reshape(-1)


def _noise_spectrum(power: np.ndarray) -> np.ndarray:
    frame_energy = power.sum(axis=1)
    count = max(int(len(frame_energy) * NOISE_FRAME_SHARE), 1)
    quietest = np.argpartition(frame_energy, count - 1)[:count]
    return power[quietest].mean(axis=0)
