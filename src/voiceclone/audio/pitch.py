"""Fundamental frequency (f0) by YIN (de Cheveigné & Kawahara 2002), vectorised over frames.

Runs on a signal resampled to 8 kHz: speech f0 (60-500 Hz) needs no more, and it keeps analysis fast.
"""

from __future__ import annotations

import numpy as np
import soxr
from numpy.lib.stride_tricks import sliding_window_view
from scipy import fft

PITCH_RATE = 8000
FMIN_HZ = 60.0
FMAX_HZ = 500.0
WINDOW = 256  # 32 ms integration window of the difference function
MAX_LAG = int(PITCH_RATE / FMIN_HZ)
FRAME = WINDOW + MAX_LAG + 1
HOP = 320  # 40 ms: 25 frames a second, plenty for median and range statistics
VOICING_THRESHOLD = 0.25  # CMNDF dip below this counts as voiced (0.15-0.3 compared against pyin: 0.25 best)


def to_pitch_rate(mono: np.ndarray, sample_rate: int) -> np.ndarray:
    if sample_rate == PITCH_RATE:
        return mono.astype(np.float32, copy=False)
    return soxr.resample(mono, sample_rate, PITCH_RATE, quality="LQ").astype(np.float32, copy=False)


def yin(
    signal_8k: np.ndarray, skip_below_db: float | None = None, hop: int = HOP
) -> tuple[np.ndarray, np.ndarray]:
    """Per frame (`hop` apart, 40 ms by default): f0 in Hz (nan where unvoiced) and the CMNDF minimum (0 = perfectly periodic).

    `skip_below_db`: frames that much quieter than the loudest frame are not searched (nan, depth 1):
    they lie far under any speech threshold, and pauses are a large share of a recording.
    """
    if len(signal_8k) < FRAME:
        return np.zeros(0), np.zeros(0)
    signal_8k = signal_8k.astype(np.float32, copy=False)
    frames = sliding_window_view(signal_8k, FRAME)[::hop]
    if skip_below_db is not None:
        return _yin_loud_frames(signal_8k, frames, skip_below_db, hop)
    return _yin_frames(signal_8k, frames, hop)


def _yin_loud_frames(
    signal_8k: np.ndarray, frames: np.ndarray, skip_below_db: float, hop: int
) -> tuple[np.ndarray, np.ndarray]:
    energy = np.einsum("ij,ij->i", frames[:, :WINDOW], frames[:, :WINDOW])
    loud = energy >= energy.max(initial=0.0) * 10 ** (-skip_below_db / 10)
    f0, depth = np.full(len(frames), np.nan), np.ones(len(frames))
    if loud.any():
        f0[loud], depth[loud] = _yin_frames(signal_8k, frames, hop, np.flatnonzero(loud))
    return f0, depth


def _yin_frames(
    signal_8k: np.ndarray, frames: np.ndarray, hop: int, chosen: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    min_lag, max_lag = int(PITCH_RATE / FMAX_HZ), MAX_LAG
    difference = _difference(signal_8k, frames, max_lag, hop, chosen)
    cmndf = _cumulative_mean_normalized(difference)
    candidates = cmndf[:, min_lag:max_lag]
    below = candidates < VOICING_THRESHOLD
    # first dip under the threshold (avoids octave errors), else the global minimum
    first = np.where(below.any(axis=1), below.argmax(axis=1), candidates.argmin(axis=1))
    lag = _descend_to_local_minimum(candidates, first) + min_lag
    depth = cmndf[np.arange(len(lag)), lag]
    f0 = PITCH_RATE / _parabolic(cmndf, lag)
    f0[depth >= VOICING_THRESHOLD] = np.nan
    return f0, depth


def _difference(
    signal_8k: np.ndarray, frames: np.ndarray, max_lag: int, hop: int, chosen: np.ndarray | None
) -> np.ndarray:
    """d(tau) = sum_j (x_j - x_{j+tau})^2 over the window, for tau in [0, max_lag] (`chosen` frames only)."""
    # Circular correlation at FRAME points is already linear for lags <= max_lag (template index + lag
    # stays under FRAME), so no padding to FRAME + WINDOW is needed.
    size = fft.next_fast_len(FRAME, real=True)
    all_frames = len(frames)
    if chosen is not None:
        frames = frames[chosen]
    spectrum = fft.rfft(frames, size, axis=1)
    template = fft.rfft(frames[:, :WINDOW], size, axis=1)
    cross = fft.irfft(spectrum * np.conj(template), size, axis=1)[:, : max_lag + 1]
    # energy of every WINDOW-long stretch, from one running sum over the whole signal
    running = np.concatenate([[0.0], np.cumsum(np.square(signal_8k, dtype=np.float64))])
    window_energy = (running[WINDOW:] - running[:-WINDOW]).astype(np.float32)
    shifted_energy = sliding_window_view(window_energy, max_lag + 1)[::hop][:all_frames]
    if chosen is not None:
        shifted_energy = shifted_energy[chosen]
    return np.maximum(shifted_energy[:, :1] + shifted_energy - 2 * cross, 0.0)


def _cumulative_mean_normalized(difference: np.ndarray) -> np.ndarray:
    lags = np.arange(1, difference.shape[1])
    running_mean = np.cumsum(difference[:, 1:], axis=1) / lags
    cmndf = np.ones_like(difference)
    cmndf[:, 1:] = difference[:, 1:] / np.maximum(running_mean, 1e-12)
    return cmndf


def _descend_to_local_minimum(values: np.ndarray, start: np.ndarray) -> np.ndarray:
    index = start.copy()
    rows = np.arange(len(values))
    for _ in range(values.shape[1]):
        step = index + 1 < values.shape[1]
        nxt = np.minimum(index + 1, values.shape[1] - 1)
        moving = step & (values[rows, nxt] < values[rows, index])
        if not moving.any():
            break
        index[moving] += 1
    return index


def _parabolic(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Sub-sample position of the minimum around `index`."""
    rows = np.arange(len(index))
    inner = np.clip(index, 1, values.shape[1] - 2)
    left, mid, right = values[rows, inner - 1], values[rows, inner], values[rows, inner + 1]
    curvature = left - 2 * mid + right
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(np.abs(curvature) > 1e-12, 0.5 * (left - right) / curvature, 0.0)
    return inner + np.clip(shift, -1, 1)
