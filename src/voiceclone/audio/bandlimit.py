"""Band-limit detection: a cutoff is a cliff in the long-term average spectrum of the speech frames,
a steep fall onto a flat floor that stays flat up to Nyquist.

Approach: the spectral-cliff test of lossless-audio checkers (e.g. Lossless Audio Checker, Lacroix
et al.; "fake FLAC" detectors such as Spek-style cutoff reading): a codec low-pass, a resampling
from a lower rate or a telephone path leave the top of the spectrum empty, at the noise or
quantisation floor, with a sharp edge below. A voice's own smooth roll-off keeps falling (no floor)
or falls gently (not a cliff), so the level relative to the peak is never used.

Below NATURAL_ROLL_OFF_HZ a second test needs no floor: a clean, quiet high-rate file (digital silence
in the pauses, 44.1 kHz) low-passed at 3.4-4 kHz keeps falling along the filter's skirt into the 16-bit
floor over several octaves, never flat. There a fall of at least STEEP_FALL_DB within
STEEP_SPAN_OCTAVES, from a band still in the voice's passband (within PASSBAND_RANGE_DB of the median
level below it), that never comes back up, is the cutoff. A voice's own roll-off is far gentler there
(the issue's studio voices: about -50 dB at 4.5 kHz, reached over several octaves).

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
STEEP_FALL_DB = 30.0  # a fall this deep ...
STEEP_SPAN_OCTAVES = 2 / 3  # ... within this span (45 dB/octave on average) ...
STEEP_KNEE_SLOPE_DB_PER_OCTAVE = 45.0  # ... starting where the spectrum falls this fast ...
CORNER_DROP_DB = 6.0  # the cutoff reported: where the fall has reached this
PASSBAND_RANGE_DB = 20.0  # ... from a band no further than this under the median level below it


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
    (rfft bins), or, when that is missing or above NATURAL_ROLL_OFF_HZ, a steep fall without floor
    below it (`_steep_fall`), or None. `quiet` is the spectrum of the quietest frames (the noise),
    on the same scale."""
    if not speech.any() or len(speech) < 16:
        return None
    centres, level = band_levels(speech, sample_rate)
    level = ndimage.median_filter(level, size=3, mode="nearest")  # a lone formant band is no passband
    _, quiet_level = band_levels(quiet, sample_rate)
    octave = np.log2(centres / centres[0])
    cliff = _cliff_onto_floor(centres, level, quiet_level, octave, sample_rate / 2)
    # a skirt with no floor, or one below a cliff found higher (a voice's bump inside the skirt)
    fall = _steep_fall(level, octave, centres, sample_rate / 2)
    if fall is not None and (cliff is None or fall.frequency_hz < cliff.frequency_hz):
        return fall
    return cliff


def _cliff_onto_floor(
    centres: np.ndarray, level: np.ndarray, quiet_level: np.ndarray, octave: np.ndarray, nyquist: float
) -> Cutoff | None:
    """The lowest cliff onto a flat floor that stays flat up to the top band.

    Above NATURAL_ROLL_OFF_HZ voices and microphones roll off steeply by themselves, so a cliff there
    only counts when it is very deep or the floor holds nothing of the voice (speech frames no louder
    than the quiet ones there).
    """
    floor_bands = max(int(np.ceil(MIN_FLOOR_OCTAVES * BANDS_PER_OCTAVE)), 2)
    for start in range(len(level) - floor_bands + 1):
        if centres[start] < LOWEST_CUTOFF_HZ:
            continue
        if centres[start] > NYQUIST_MARGIN * nyquist:
            return None
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


def _steep_fall(level: np.ndarray, octave: np.ndarray, centres: np.ndarray, nyquist: float) -> Cutoff | None:
    """The lowest band below NATURAL_ROLL_OFF_HZ that is in the passband, where the spectrum starts
    falling faster than STEEP_KNEE_SLOPE (over a third of an octave), and beyond which it stays
    STEEP_FALL_DB down from STEEP_SPAN_OCTAVES on, up to NYQUIST_MARGIN x Nyquist (a resampler's own
    filter falls above). No floor is needed."""
    top = int(np.searchsorted(centres, NYQUIST_MARGIN * nyquist))
    third = BANDS_PER_OCTAVE // 3
    for knee in range(1, top - third):
        if centres[knee] < LOWEST_CUTOFF_HZ:
            continue
        if centres[knee] >= NATURAL_ROLL_OFF_HZ:
            break
        end = int(np.searchsorted(octave, octave[knee] + STEEP_SPAN_OCTAVES))
        if end >= top:
            break
        slope = (level[knee] - level[knee + third]) / (octave[knee + third] - octave[knee])
        if slope < STEEP_KNEE_SLOPE_DB_PER_OCTAVE:
            continue
        if level[knee] < float(np.median(level[: knee + 1])) - PASSBAND_RANGE_DB:
            continue
        depth = float(level[knee] - level[end:top].max())
        if depth >= STEEP_FALL_DB:
            knee = _corner(level, knee, knee + third)
            steepness = float(level[knee] - level[end]) / float(octave[end] - octave[knee])
            return Cutoff(frequency_hz=round(float(centres[knee]), 0), depth_db=round(depth, 1),
                          steepness_db_per_octave=round(steepness, 1))
    return None


def _corner(level: np.ndarray, start: int, stop: int) -> int:
    """The fall begins at `start`; a low-pass's corner is the last band before `stop` still within
    CORNER_DROP_DB of it (a Butterworth is 3 dB down at its cutoff, the voice's own slope adds a little)."""
    corner = start
    while corner + 1 < stop and level[corner + 1] >= level[start] - CORNER_DROP_DB:
        corner += 1
    return corner


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
