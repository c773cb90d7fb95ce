"""Stationary noise reduction by spectral gating: a Wiener-like gain from a noise spectrum measured
in the quietest frames, smoothed over time and frequency against "musical noise", with a floor."""

from __future__ import annotations

import numpy as np
from scipy import ndimage, signal

FFT_S = 0.032
NOISE_FRAME_SHARE = 0.1  # the quietest 10 % of STFT frames define the noise spectrum
OVER_SUBTRACTION = 1.5
GAIN_FLOOR = 0.1  # -20 dB: never silence a bin entirely (keeps breath and room natural)
SMOOTHING = (3, 5)  # frames x bins


def reduce_noise(mono: np.ndarray, sample_rate: int) -> np.ndarray:
    """The signal with its stationary background noise reduced (same length, float32)."""
    n_fft = 1 << int(np.ceil(np.log2(FFT_S * sample_rate)))
    if len(mono) < 2 * n_fft:
        return mono
    stft = signal.ShortTimeFFT(signal.windows.hann(n_fft, sym=False), hop=n_fft // 4, fs=sample_rate)
    spectrum = stft.stft(mono)  # bins x frames
    power = np.square(np.abs(spectrum))
    noise = _noise_spectrum(power)
    gain = 1.0 - OVER_SUBTRACTION * noise[:, None] / np.maximum(power, 1e-20)
    gain = ndimage.uniform_filter(np.clip(gain, GAIN_FLOOR, 1.0), size=SMOOTHING[::-1])
    cleaned = stft.istft(spectrum * gain, k1=len(mono))
    return cleaned.astype(np.float32)


def _noise_spectrum(power: np.ndarray) -> np.ndarray:
    frame_energy = power.sum(axis=0)
    count = max(int(len(frame_energy) * NOISE_FRAME_SHARE), 1)
    quietest = np.argpartition(frame_energy, count - 1)[:count]
    return power[:, quietest].mean(axis=1)
