"""Loudness per ITU-R BS.1770-4 (K-weighting filters from pyloudnorm), measured block by block.

pyloudnorm's `integrated_loudness` needs the whole signal in memory; `LoudnessMeter` applies the same
filters with carried state and the same 400 ms / 75 % overlap gating, so a 45-minute file streams.
"""

from __future__ import annotations

import functools

import numpy as np
import pyloudnorm
from scipy import signal

ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
SUB_BLOCK_S = 0.1  # gating blocks are 4 sub-blocks (400 ms) stepping by one (75 % overlap)
TRUE_PEAK_OVERSAMPLING = 4
TRUE_PEAK_CANDIDATE_LEVEL = 0.5  # inter-sample peaks exceed the sample peak by far less than 6 dB
TRUE_PEAK_MAX_CANDIDATES = 4096
TRUE_PEAK_CONTEXT = 24  # samples either side: covers resample_poly's filter half-length


def k_weighting_sos(sample_rate: int) -> np.ndarray:
    meter = pyloudnorm.Meter(sample_rate)
    return np.vstack([signal.tf2sos(stage.b, stage.a) for stage in meter._filters.values()])


class LoudnessMeter:
    """Feed (frames, channels) blocks whose length is a multiple of `sub_block`, then read `integrated()`."""

    def __init__(self, sample_rate: int, channels: int, sub_block: int):
        self.sub_block = sub_block
        self._sos = k_weighting_sos(sample_rate)
        self._state = np.zeros((self._sos.shape[0], 2, channels))
        self._energies: list[np.ndarray] = []  # mean square per sub-block, summed over channels

    def add(self, block: np.ndarray) -> None:
        weighted, self._state = signal.sosfilt(self._sos, block, axis=0, zi=self._state)
        usable = len(weighted) // self.sub_block * self.sub_block
        squares = np.square(weighted[:usable], dtype=np.float64).sum(axis=1)
        self._energies.append(squares.reshape(-1, self.sub_block).mean(axis=1))

    def integrated(self) -> float:
        """Gated integrated loudness in LUFS (-inf for silence or under 400 ms)."""
        sub = np.concatenate(self._energies) if self._energies else np.zeros(0)
        return gated_loudness(sub)


def gated_loudness(sub_block_energies: np.ndarray) -> float:
    if len(sub_block_energies) < 4:
        return float("-inf")
    blocks = np.convolve(sub_block_energies, np.ones(4) / 4, mode="valid")
    with np.errstate(divide="ignore"):
        block_lufs = -0.691 + 10 * np.log10(blocks)
    above_absolute = blocks[block_lufs >= ABSOLUTE_GATE_LUFS]
    if len(above_absolute) == 0:
        return float("-inf")
    relative_gate = -0.691 + 10 * np.log10(above_absolute.mean()) + RELATIVE_GATE_LU
    gated = blocks[(block_lufs > relative_gate) & (block_lufs > ABSOLUTE_GATE_LUFS)]
    return float(-0.691 + 10 * np.log10(gated.mean())) if len(gated) else float("-inf")


def integrated_loudness(samples: np.ndarray, sample_rate: int) -> float:
    """LUFS of a signal in memory, (frames,) or (frames, channels)."""
    samples = samples[:, None] if samples.ndim == 1 else samples
    sub_block = max(round(SUB_BLOCK_S * sample_rate), 1)
    meter = LoudnessMeter(sample_rate, samples.shape[1], sub_block)
    meter.add(samples)
    return meter.integrated()


def true_peak_dbtp(samples: np.ndarray, magnitude: np.ndarray | None = None) -> float:
    """Peak of the 4x oversampled signal in dBTP (BS.1770 annex 2), any shape.

    Only stretches around loud samples are oversampled: an inter-sample peak sits next to them.
    """
    samples = samples.reshape(len(samples), -1)
    magnitude = np.abs(samples) if magnitude is None else magnitude.reshape(samples.shape)
    peak = max((_channel_true_peak(samples[:, c], magnitude[:, c]) for c in range(samples.shape[1])), default=0.0)
    return 20 * float(np.log10(peak)) if peak > 0 else float("-inf")


def _channel_true_peak(channel: np.ndarray, magnitude: np.ndarray) -> float:
    sample_peak = float(magnitude.max(initial=0.0))
    if sample_peak == 0:
        return 0.0
    inner = magnitude[TRUE_PEAK_CONTEXT : len(magnitude) - TRUE_PEAK_CONTEXT]
    candidates = np.flatnonzero(inner >= sample_peak * TRUE_PEAK_CANDIDATE_LEVEL)
    # an inter-sample peak lies next to a local maximum of |x|: the other loud samples add nothing
    centre = candidates + TRUE_PEAK_CONTEXT
    local_max = (magnitude[centre] >= magnitude[centre - 1]) & (magnitude[centre] >= magnitude[centre + 1])
    candidates = candidates[local_max]
    if len(candidates) > TRUE_PEAK_MAX_CANDIDATES:
        loudest = np.argpartition(inner[candidates], -TRUE_PEAK_MAX_CANDIDATES)[-TRUE_PEAK_MAX_CANDIDATES:]
        candidates = candidates[loudest]
    if len(candidates) == 0:
        return sample_peak
    windows = channel[candidates[:, None] + np.arange(2 * TRUE_PEAK_CONTEXT + 1)]
    return max(sample_peak, float(np.abs(windows @ _interpolation_matrix()).max()))


@functools.cache
def _interpolation_matrix() -> np.ndarray:
    """Maps a (2 * context + 1)-sample window to its 4x oversampled values around the centre sample."""
    width = 2 * TRUE_PEAK_CONTEXT + 1
    oversampled = signal.resample_poly(np.eye(width), TRUE_PEAK_OVERSAMPLING, 1, axis=1)
    centre = TRUE_PEAK_CONTEXT * TRUE_PEAK_OVERSAMPLING
    return oversampled[:, centre - TRUE_PEAK_OVERSAMPLING : centre + TRUE_PEAK_OVERSAMPLING + 1].astype(np.float32)
