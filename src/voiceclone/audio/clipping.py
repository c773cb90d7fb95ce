"""Clipping at any level, from the amplitude histogram.

Approach: amplitude-histogram clipping detection (Aleinik, Matveev & Raev 2014, "Detection of clipped
fragments in speech signals"; the same idea as the clip detectors of audio restoration tools): the
distribution of a speech signal's sample values thins out smoothly towards its extremes, while a
clipped signal piles samples up at its extremes, the clip level, because every sample that would have
gone further sits there. A gain after the clipping moves the pile but does not spread it, so the test
works at any level: clipped at 0.5 and normalised, clipped at full scale, clipped then lowered.

Each polarity has its own histogram over fine logarithmic bins (0.05 dB). Only the top 6 dB below each
block's own peak is recorded: the global top 6 dB is always complete (a block whose peak lies lower
holds nothing there), and the few loud samples keep the cost low. At the end, the samples within
TOP_DB of the extreme are compared with what the density just below predicts; the excess is the
clipped share. Samples with an equal neighbour (flat tops) are counted alongside as evidence.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel

BIN_DB = 0.05
LOWEST_DBFS = -100.0
HIGHEST_DBFS = 24.0  # float files may exceed full scale
RECORDED_DB = 6.0  # below each block's peak
TOP_DB = 0.2  # the pile: samples this close to the extreme (survives slight resampling ripple)
REFERENCE_DB = (3.0, 0.5)  # the density of the stretch from 4 dB to 1 dB below the extreme ...
PILE_FACTOR = 1.5  # ... predicts at most this many times its count in the top bins for unclipped speech
MIN_PILE = 4  # fewer samples at the extreme are never clipping


class ClippingEstimate(BaseModel):
    clipped_ratio: float
    clip_level: float | None
    flat_top_ratio: float


class ClippingHistogram:
    """Feed blocks of samples (any shape); `estimate()` gives the clipped share and the clip level."""

    def __init__(self) -> None:
        bins = int((HIGHEST_DBFS - LOWEST_DBFS) / BIN_DB) + 1
        self.counts = np.zeros((2, bins), dtype=np.int64)  # [positive, negative]
        self.flat = np.zeros((2, bins), dtype=np.int64)
        self.samples = 0

    def add(self, block: np.ndarray) -> None:
        """`block` is (frames, channels) float32; each channel is scanned along time."""
        self.samples += block.size
        for channel in block.T:
            self._add_polarity(0, channel, float(channel.max(initial=0.0)))
            self._add_polarity(1, channel, -float(channel.min(initial=0.0)))

    def _add_polarity(self, side: int, channel: np.ndarray, peak: float) -> None:
        """Record the samples of one polarity (side 1: the negative half, as magnitudes) near its peak."""
        if peak <= 0:
            return
        floor = peak * 10 ** (-RECORDED_DB / 20)
        index = np.flatnonzero(channel >= floor if side == 0 else channel <= -floor)
        loud = channel[index]
        bins = self._bins(np.abs(loud))
        self.counts[side] += np.bincount(bins, minlength=self.counts.shape[1])
        equal_next = np.zeros(len(index), dtype=bool)
        inner = index + 1 < len(channel)
        equal_next[inner] = channel[index[inner] + 1] == loud[inner]
        equal_prev = np.zeros(len(index), dtype=bool)
        has_prev = index > 0
        equal_prev[has_prev] = channel[index[has_prev] - 1] == loud[has_prev]
        flat = equal_next | equal_prev
        if flat.any():
            self.flat[side] += np.bincount(bins[flat], minlength=self.flat.shape[1])

    def _bins(self, values: np.ndarray) -> np.ndarray:
        level = 20 * np.log10(np.maximum(values, 1e-12))
        return np.clip(((level - LOWEST_DBFS) / BIN_DB).astype(np.int64), 0, self.counts.shape[1] - 1)

    def estimate(self) -> ClippingEstimate:
        excess, flat, levels = 0.0, 0, []
        for side in (0, 1):
            pile, flat_top, level = self._pile(side)
            excess += pile
            flat += flat_top
            if pile > 0:
                levels.append(level)
        total = max(self.samples, 1)
        return ClippingEstimate(
            clipped_ratio=excess / total,
            clip_level=round(max(levels), 4) if levels else None,
            flat_top_ratio=flat / total,
        )

    def _pile(self, side: int) -> tuple[float, int, float]:
        """(excess samples at the extreme, flat-top samples there, the extreme's level) of one side."""
        counts = self.counts[side]
        occupied = np.flatnonzero(counts)
        if len(occupied) == 0:
            return 0.0, 0, 0.0
        top = int(occupied[-1])
        level = 10 ** ((LOWEST_DBFS + (top + 0.5) * BIN_DB) / 20)
        top_bins = round(TOP_DB / BIN_DB)
        in_top = int(counts[max(top - top_bins + 1, 0) : top + 1].sum())
        far, near = (round(d / BIN_DB) for d in REFERENCE_DB)
        reference = counts[max(top - far, 0) : max(top - near, 0)]
        density = float(reference.mean()) if len(reference) else 0.0
        expected = PILE_FACTOR * density * top_bins
        if in_top < MIN_PILE or in_top <= expected:
            return 0.0, 0, level
        flat_top = int(self.flat[side][max(top - top_bins + 1, 0) : top + 1].sum())
        return in_top - density * top_bins, flat_top, level
