"""Signal checks on generated speech: loudness, true peak, clipping, silences, speaking rate and
repeated chunks (the loops and end-of-sentence babble XTTS is known for). numpy only, no model.
"""

from __future__ import annotations

import itertools

import numpy as np

from voiceclone.audio.activity import FRAME_S, frame_powers, runs, speech_mask
from voiceclone.audio.loudness import integrated_loudness, true_peak_dbtp
from voiceclone.quality.report import SignalReport

CLIP_LEVEL = 0.999  # |sample| at or above this counts as clipped
ANALYSIS_RATE = 16000
CHUNK_S = 0.8  # repeated-chunk search: chunks this long ...
CHUNK_STEP_S = 0.4  # ... every this often ...
REPEAT_CORRELATION = 0.95  # ... repeat an earlier stretch this well (real speech: 0 of 45 clips; 0.93: some)
BANDS = 32


def check_signal(samples: np.ndarray, sample_rate: int, text: str | None = None) -> SignalReport:
    mono = np.asarray(samples, dtype=np.float32).reshape(len(samples), -1).mean(axis=1)
    duration = len(mono) / sample_rate
    mask = speech_mask(frame_powers(mono, max(int(FRAME_S * sample_rate), 1)))
    speech_runs = runs(mask)
    speech_s = float(mask.sum()) * FRAME_S
    if speech_runs:
        leading = speech_runs[0][0] * FRAME_S
        trailing = max(duration - speech_runs[-1][1] * FRAME_S, 0.0)
        gaps = [(b[0] - a[1]) * FRAME_S for a, b in itertools.pairwise(speech_runs)]
    else:
        leading, trailing, gaps = duration, 0.0, []
    loudness = integrated_loudness(mono, sample_rate) if duration >= 0.4 else float("-inf")
    peak = true_peak_dbtp(mono) if len(mono) else float("-inf")
    characters = len("".join((text or "").split()))
    return SignalReport(
        duration_s=round(duration, 3),
        loudness_lufs=round(loudness, 2) if np.isfinite(loudness) else None,
        true_peak_dbtp=round(peak, 2) if np.isfinite(peak) else None,
        clipped_fraction=round(float(np.mean(np.abs(mono) >= CLIP_LEVEL)) if len(mono) else 0.0, 6),
        speech_s=round(speech_s, 3),
        leading_silence_s=round(leading, 3),
        trailing_silence_s=round(trailing, 3),
        longest_inner_silence_s=round(max(gaps, default=0.0), 3),
        chars_per_second=round(characters / speech_s, 2) if text and speech_s > 0 else None,
        repeated_fraction=round(repeated_fraction(mono, sample_rate, mask), 3),
    )


def _band_energies(mono: np.ndarray, sample_rate: int) -> np.ndarray:
    """Log energy in BANDS linear bands per 10 ms frame (25 ms window) at 16 kHz."""
    import soxr

    audio = soxr.resample(mono, sample_rate, ANALYSIS_RATE) if sample_rate != ANALYSIS_RATE else mono
    window, hop = 400, 160
    if len(audio) < window:
        return np.zeros((0, BANDS), dtype=np.float32)
    count = 1 + (len(audio) - window) // hop
    frames = np.lib.stride_tricks.as_strided(audio, (count, window), (audio.strides[0] * hop, audio.strides[0]))
    spectrum = np.abs(np.fft.rfft(frames * np.hanning(window), axis=1)) ** 2
    usable = spectrum[:, 1 : 1 + (spectrum.shape[1] - 1) // BANDS * BANDS]
    bands = usable.reshape(count, BANDS, -1).sum(axis=2)
    return np.log(bands + 1e-8).astype(np.float32)


def repeated_fraction(mono: np.ndarray, sample_rate: int, speech_frames: np.ndarray) -> float:
    """Share of speech chunks whose band-energy pattern correlates >= REPEAT_CORRELATION with an
    earlier, non-overlapping stretch (searched every 20 ms). Real speech does not repeat itself this
    exactly; loops and babble do."""
    energies = _band_energies(mono, sample_rate)
    frames_per_s = ANALYSIS_RATE / 160
    length, step = int(CHUNK_S * frames_per_s), int(CHUNK_STEP_S * frames_per_s)
    queries = [s for s in range(0, len(energies) - length + 1, step) if _mostly_speech(speech_frames, s / frames_per_s)]
    candidates = np.arange(0, len(energies) - length + 1, 2)
    if len(queries) < 2:
        return 0.0
    query_set, candidate_set = _normalised(energies, queries, length), _normalised(energies, candidates, length)
    correlation = query_set @ candidate_set.T
    earlier = candidates[None, :] + length <= np.asarray(queries)[:, None]
    repeats = np.any((correlation >= REPEAT_CORRELATION) & earlier, axis=1)
    return float(repeats.mean())


def _normalised(energies: np.ndarray, starts, length: int) -> np.ndarray:
    chunks = np.stack([energies[s : s + length].reshape(-1) for s in starts])
    chunks = chunks - chunks.mean(axis=1, keepdims=True)
    return chunks / np.maximum(np.linalg.norm(chunks, axis=1, keepdims=True), 1e-8)


def _mostly_speech(speech_frames: np.ndarray, start_s: float) -> bool:
    first, last = int(start_s / FRAME_S), int((start_s + CHUNK_S) / FRAME_S)
    window = speech_frames[first:last]
    return len(window) > 0 and float(window.mean()) >= 0.5
