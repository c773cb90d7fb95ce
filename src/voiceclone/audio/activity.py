"""Speech activity, noise floor and SNR from the power of 20 ms frames.

SNR is the speech power over the whole recording against the noise power, both in dB: speech = mean
power of all frames minus noise.

Noise follows minimum statistics (Martin 2001, "Noise power spectral density estimation based on
optimal smoothing and minimum statistics"), on the broadband power: the frame powers are first smoothed
over NOISE_SMOOTHING_S (a moving average), and the noise is the mean of the quietest 1 % of those
smoothed powers, without Martin's bias compensation. Steady noise (hiss, hum, white noise) reads the
same smoothed or not; fluctuating, speech-like noise (babble) dips briefly in single 20 ms frames, and
the raw quietest frames read it 10-20 dB too low, while 0.3 s of smoothing averages those dips out. A
speaker's own pauses last longer than that, so clean speech keeps its floor. Checked on real speech with
white noise and six-talker babble (tests/unit/audio/test_detectors.py, bench/results/calibration.md).
WADA-SNR (Kim & Stern 2008) and per-bin quantile noise estimation (Stahl et al. 2000) were tried on the
calibration set and not adopted: both read dense acted dialogue (few pauses) as noisy (10-20 dB).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

FRAME_S = 0.02
NOISE_PERCENTILE = 1.0
NOISE_SMOOTHING_S = 0.3  # frame powers averaged over this before the quietest are taken
MIN_NOISE_POWER = 1e-10  # -100 dBFS: digital silence is not infinitely clean
MAX_SNR_DB = 80.0
SPEECH_MARGIN_DB = 6.0  # speech frames are at least this far above the noise floor ...
SPEECH_RANGE_DB = 30.0  # ... and within this range of the loud (95th percentile) frames
BRIDGE_GAP_S = 0.2  # gaps shorter than this inside speech are speech (stops, short pauses)
MIN_BURST_S = 0.06  # louder bursts shorter than this are clicks, not speech


def frame_powers(mono: np.ndarray, frame_len: int) -> np.ndarray:
    """Mean square of consecutive frames (a partial last frame is dropped)."""
    usable = len(mono) // frame_len * frame_len
    frames = mono[:usable].reshape(-1, frame_len)
    return np.einsum("ij,ij->i", frames, frames).astype(np.float64) / frame_len


def to_db(power: np.ndarray | float) -> np.ndarray | float:
    return 10 * np.log10(np.maximum(power, 1e-30))


def noise_power(powers: np.ndarray, frame_s: float = FRAME_S) -> float:
    """Minimum statistics: mean of the quietest 1 % of the frame powers smoothed over NOISE_SMOOTHING_S."""
    if len(powers) == 0:
        return MIN_NOISE_POWER
    width = min(max(round(NOISE_SMOOTHING_S / frame_s), 1), len(powers))
    smoothed = ndimage.uniform_filter1d(powers, width, mode="nearest") if width > 1 else powers
    count = max(int(len(smoothed) * NOISE_PERCENTILE / 100), 1)
    quietest = np.partition(smoothed, count - 1)[:count]
    return max(float(quietest.mean()), MIN_NOISE_POWER)


def snr_db(powers: np.ndarray) -> float:
    noise = noise_power(powers)
    speech = float(powers.mean()) - noise if len(powers) else 0.0
    if speech <= 0:
        return 0.0
    return float(min(to_db(speech / noise), MAX_SNR_DB))


def loud_level_db(powers: np.ndarray) -> float:
    return float(to_db(np.percentile(powers, 95))) if len(powers) else -300.0


def speech_threshold_db(powers: np.ndarray) -> float:
    """Frame power (dB) above which a frame may hold speech: 6 dB over the noise floor and no more
    than 30 dB under the loud frames."""
    noise_db, loud_db = to_db(noise_power(powers)), loud_level_db(powers)
    return float(max(noise_db + SPEECH_MARGIN_DB, loud_db - SPEECH_RANGE_DB))


def speech_mask(powers: np.ndarray, frame_s: float = FRAME_S) -> np.ndarray:
    """True for frames that hold speech, from an adaptive threshold between noise floor and loud level."""
    if len(powers) == 0:
        return np.zeros(0, dtype=bool)
    active = to_db(powers) > speech_threshold_db(powers)
    bridge = max(round(BRIDGE_GAP_S / frame_s), 1)
    burst = max(round(MIN_BURST_S / frame_s), 1)
    padded = np.pad(active, bridge)
    active = ndimage.binary_closing(padded, np.ones(bridge))[bridge:-bridge]
    return ndimage.binary_opening(active, np.ones(burst))


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) index pairs of the True runs of a boolean array."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True))
