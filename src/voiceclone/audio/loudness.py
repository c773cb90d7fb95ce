"""Loudness per ITU-R BS.1770-4, measured block by block, and the one loudness normaliser.

`LoudnessMeter` applies the K-weighting filters with carried state and the 400 ms / 75 % overlap
gating, so a 45-minute file streams. `normalize_loudness` (gain to a target LUFS under a true-peak
ceiling) serves both the enhancement of training clips and the speech users download.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy import signal

ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
SUB_BLOCK_S = 0.1  # gating blocks are 4 sub-blocks (400 ms) stepping by one (75 % overlap)
TRUE_PEAK_OVERSAMPLING = 4
TRUE_PEAK_CANDIDATE_LEVEL = 0.5  # inter-sample peaks exceed the sample peak by far less than 6 dB
TRUE_PEAK_MAX_CANDIDATES = 4096
TRUE_PEAK_CONTEXT = 24  # samples either side: covers resample_poly's filter half-length


# K-weighting: a +4 dB high shelf at 1500 Hz, then a high pass at 38 Hz, designed for any sample rate
# with the RBJ biquad formulas (pyloudnorm's design; at 48 kHz within 1e-3 of BS.1770's table).
SHELF_GAIN_DB, SHELF_HZ, SHELF_Q = 4.0, 1500.0, 1 / math.sqrt(2)
HIGH_PASS_HZ, HIGH_PASS_Q = 38.0, 0.5


def k_weighting_sos(sample_rate: int) -> np.ndarray:
    """The two K-weighting biquads as second-order sections (b0, b1, b2, 1, a1, a2)."""
    return np.vstack([_high_shelf(sample_rate), _high_pass(sample_rate)])


def _high_shelf(sample_rate: int) -> np.ndarray:
    gain = 10 ** (SHELF_GAIN_DB / 40)
    w0 = 2 * math.pi * SHELF_HZ / sample_rate
    cos, root_alpha = math.cos(w0), 2 * math.sqrt(gain) * math.sin(w0) / (2 * SHELF_Q)
    b = [gain * ((gain + 1) + (gain - 1) * cos + root_alpha), -2 * gain * ((gain - 1) + (gain + 1) * cos),
         gain * ((gain + 1) + (gain - 1) * cos - root_alpha)]
    a = [(gain + 1) - (gain - 1) * cos + root_alpha, 2 * ((gain - 1) - (gain + 1) * cos),
         (gain + 1) - (gain - 1) * cos - root_alpha]
    return np.array(b + a) / a[0]


def _high_pass(sample_rate: int) -> np.ndarray:
    w0 = 2 * math.pi * HIGH_PASS_HZ / sample_rate
    cos, alpha = math.cos(w0), math.sin(w0) / (2 * HIGH_PASS_Q)
    b = [(1 + cos) / 2, -(1 + cos), (1 + cos) / 2]
    a = [1 + alpha, -2 * cos, 1 - alpha]
    return np.array(b + a) / a[0]


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
        sub_blocks = weighted[:usable].reshape(-1, self.sub_block, weighted.shape[1])
        # mean square per sub-block, summed over channels, in one pass (no squared copy)
        self._energies.append(np.einsum("ijk,ijk->i", sub_blocks, sub_blocks) / self.sub_block)

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


@dataclass(frozen=True)
class Normalised:
    samples: np.ndarray  # float32, the input's shape
    loudness_lufs: float | None  # after the gain; None: under 400 ms or silent, level left as it was
    peak_limited: bool  # the gain was lowered (or the level cut) to respect the true-peak ceiling


def normalize_loudness(samples: np.ndarray, sample_rate: int, target_lufs: float, true_peak_ceiling_dbtp: float) -> Normalised:
    """Gain to `target_lufs` (BS.1770 integrated loudness), lowered so the true peak stays under the
    ceiling. A signal the meter cannot measure keeps its level, only brought under the ceiling."""
    samples = np.nan_to_num(np.asarray(samples, dtype=np.float32))
    if len(samples) == 0:
        return Normalised(samples, None, False)
    loudness = integrated_loudness(samples, sample_rate)
    peak = true_peak_dbtp(samples)
    measured = bool(np.isfinite(loudness))
    gain_db = target_lufs - loudness if measured else 0.0
    limited = bool(np.isfinite(peak)) and peak + gain_db > true_peak_ceiling_dbtp
    if limited:
        gain_db = true_peak_ceiling_dbtp - peak
    out = (samples * np.float32(10 ** (gain_db / 20))).astype(np.float32)
    return Normalised(out, loudness + gain_db if measured else None, limited)


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
