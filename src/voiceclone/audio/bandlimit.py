"""Band-limit detection: a cutoff is a cliff in the long-term average spectrum of the speech frames,
a steep fall onto a flat floor that stays flat up to Nyquist.

Approach: the spectral-cliff test of lossless-audio checkers (e.g. Lossless Audio Checker, Lacroix
et al.; "fake FLAC" detectors such as Spek-style cutoff reading): a codec low-pass, a resampling
from a lower rate or a telephone path leave the top of the spectrum empty, at the noise or
quantisation floor, with a sharp edge below. A voice's own smooth roll-off keeps falling (no floor)
or falls gently (not a cliff), so the level relative to the peak is never used.

`SpectrumByLevel` collects the spectra of analysis frames sorted by frame level, so the spectrum of
speech frames alone can be taken once the speech threshold is known (bounded memory, one pass).
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel
from scipy import ndimage

LEVEL_STEP_DB = 1.0
LEVEL_RANGE_DB = (-140.0, 20.0)
BANDS_PER_OCTAVE = 24
LOWEST_HZ = 500.0
LOWEST_CUTOFF_HZ = 1_500.0
NYQUIST_MARGIN = 0.92  # a cliff above this share of Nyquist is the resampler's anti-alias filter
TOP_MARGIN = 0.98  # the last band used: resamplers roll off in the last percent below Nyquist
MIN_FLOOR_OCTAVES = 0.12  # the floor must span at least this much (about 1/8 octave) to count
FLOOR_FLATNESS_DB = 10.0  # 90th percentile of the floor within this of its median
MIN_DEPTH_DB = 30.0  # knee over floor
MIN_STEEPNESS_DB_PER_OCTAVE = 40.0
KNEE_SLOPE_DB_PER_OCTAVE = 24.0  # a Butterworth low-pass falls at 3 dB/octave per order at its -3 dB point
NATURAL_ROLL_OFF_HZ = 5_500.0
DEEP_CLIFF_DB = 60.0
EMPTY_FLOOR_DB = 6.0


class Cutoff(BaseModel):
    frequency_hz: float
    depth_db: float
    steepness_db_per_octave: float


class SpectrumByLevel:
    """Sums of frame power spectra, one row per 1 dB bin of frame power (mean square, dBFS)."""

    def __init__(self, bins: int):
        low, high = LEVEL_RANGE_DB
        self.levels = int((high - low) / LEVEL_STEP_DB)
        self.sums = np.zeros((self.levels, bins))
        self.frames = np.zeros(self.levels, dtype=np.int64)

    def add(self, spectra: np.ndarray, frame_power: np.ndarray) -> None:
        rows = self.rows(frame_power)
        order = np.argsort(rows, kind="stable")
        present, starts = np.unique(rows[order], return_index=True)
        self.sums[present] += np.add.reduceat(spectra[order], starts, axis=0)
        self.frames[present] += np.diff(np.append(starts, len(rows)))

    def rows(self, frame_power: np.ndarray) -> np.ndarray:
        level = 10 * np.log10(np.maximum(frame_power, 1e-30))
        return np.clip(((level - LEVEL_RANGE_DB[0]) / LEVEL_STEP_DB).astype(int), 0, self.levels - 1)

    def mean_above(self, threshold_db: float) -> np.ndarray | None:
        """Mean spectrum of the frames louder than `threshold_db` (None without any)."""
        first = int(np.clip(np.ceil((threshold_db - LEVEL_RANGE_DB[0]) / LEVEL_STEP_DB), 0, self.levels - 1))
        count = int(self.frames[first:].sum())
        return self.sums[first:].sum(axis=0) / count if count else None

    def mean_below_percentile(self, percentile: float) -> np.ndarray | None:
        """Mean spectrum of the quietest `percentile` % of frames (whole level bins, at least one)."""
        total = int(self.frames.sum())
        if not total:
            return None
        last = int(np.searchsorted(np.cumsum(self.frames), max(total * percentile / 100, 1)))
        count = int(self.frames[: last + 1].sum())
        return self.sums[: last + 1].sum(axis=0) / count


def band_levels(power: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean power per 1/24-octave band from LOWEST_HZ to TOP_MARGIN x Nyquist: (centre Hz, level dB)."""
    bin_hz = sample_rate / 2 / (len(power) - 1)
    top = TOP_MARGIN * sample_rate / 2
    edges = LOWEST_HZ * 2.0 ** (np.arange(0, BANDS_PER_OCTAVE * np.log2(top / LOWEST_HZ) + 1) / BANDS_PER_OCTAVE)
    index = np.round(edges / bin_hz).astype(int)
    index = np.unique(np.maximum(index, 1))  # low bands narrower than a bin merge
    cumulative = np.concatenate([[0.0], np.cumsum(power)])
    widths = np.diff(index)
    mean = (cumulative[index[1:]] - cumulative[index[:-1]]) / widths
    centres = np.sqrt(index[1:] * index[:-1]) * bin_hz
    return centres, 10 * np.log10(np.maximum(mean, 1e-30))


def find_cutoff(speech: np.ndarray, quiet: np.ndarray, sample_rate: int) -> Cutoff | None:
    """The lowest cliff onto a flat floor in the long-term power spectrum of the speech frames
    (rfft bins), or None. `quiet` is the spectrum of the quietest frames (the noise), on the same scale.

    Above NATURAL_ROLL_OFF_HZ voices and microphones roll off steeply by themselves, so a cliff there
    only counts when it is very deep or the floor holds nothing of the voice (speech frames no louder
    than the quiet ones there).
    """
    if not speech.any() or len(speech) < 16:
        return None
    centres, level = band_levels(speech, sample_rate)
    level = ndimage.median_filter(level, size=3, mode="nearest")  # a lone formant band is no passband
    _, quiet_level = band_levels(quiet, sample_rate)
    octave = np.log2(centres / centres[0])
    nyquist = sample_rate / 2
    floor_bands = max(int(np.ceil(MIN_FLOOR_OCTAVES * BANDS_PER_OCTAVE)), 2)
    for start in range(len(level) - floor_bands + 1):
        if centres[start] < LOWEST_CUTOFF_HZ:
            continue
        if centres[start] > NYQUIST_MARGIN * nyquist:
            break
        floor_levels = level[start:]
        floor = float(np.median(floor_levels))
        if np.percentile(floor_levels, 90) - floor > FLOOR_FLATNESS_DB:
            continue
        found = _knee(level, octave, start, floor)
        if found is None:
            continue
        knee, depth, steepness = found
        if centres[knee] >= NATURAL_ROLL_OFF_HZ and depth < DEEP_CLIFF_DB:
            voice_above = float(np.median((level - quiet_level)[start:]))
            if voice_above > EMPTY_FLOOR_DB:
                continue
        return Cutoff(frequency_hz=round(float(centres[knee]), 0), depth_db=round(depth, 1),
                      steepness_db_per_octave=round(steepness, 1))
    return None


def _knee(level: np.ndarray, octave: np.ndarray, start: int, floor: float) -> tuple[int, float, float] | None:
    """Where the fall onto the floor begins: walking down from the floor while the spectrum below
    still rises faster than KNEE_SLOPE (dB/octave, measured over a third of an octave, so a brief
    bump of the voice inside a filter's skirt does not stop the walk).
    Returns (knee band, depth dB, mean steepness dB/octave), None when the fall is too shallow."""
    span = BANDS_PER_OCTAVE // 3
    knee = start - 1
    while knee - span >= 0:
        slope = (level[knee - span] - level[knee]) / (octave[knee] - octave[knee - span])
        if slope < KNEE_SLOPE_DB_PER_OCTAVE:
            break
        knee -= 1
    knee = max(knee, 0)
    depth = float(level[knee] - floor)
    steepness = depth / max(octave[start] - octave[knee], 1.0 / BANDS_PER_OCTAVE)
    if depth < MIN_DEPTH_DB or steepness < MIN_STEEPNESS_DB_PER_OCTAVE:
        return None
    return knee, depth, steepness
