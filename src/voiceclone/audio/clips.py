"""Splitting speech into training clips of at most 11 s, cut in pauses, with the transcript shared out."""

from __future__ import annotations

import itertools
import re

import numpy as np
from pydantic import BaseModel

from voiceclone.audio import activity

MAX_CLIP_S = 11.0  # XTTS training clips
MIN_CLIP_S = 1.0  # a cut never leaves a clip shorter than this when a pause allows
EDGE_MARGIN_S = 0.15  # silence kept before the first and after the last speech frame


class ClipSpan(BaseModel):
    """A clip as frame indices [start, stop) of the 20 ms activity frames."""

    start: int
    stop: int


def speech_bounds(speech: np.ndarray, frame_s: float) -> tuple[int, int] | None:
    """First and last speech frame (exclusive stop) widened by the edge margin; None without speech."""
    segments = activity.runs(speech)
    if not segments:
        return None
    margin = round(EDGE_MARGIN_S / frame_s)
    return max(segments[0][0] - margin, 0), min(segments[-1][1] + margin, len(speech))


def plan_clips(
    speech: np.ndarray, powers: np.ndarray, start: int, stop: int, frame_s: float, max_clip_s: float = MAX_CLIP_S
) -> list[ClipSpan]:
    """Contiguous clips covering [start, stop): each at most `max_clip_s`, cut in the middle of the
    longest pause available (else at the quietest frame), so the clips concatenate back exactly."""
    max_len = int(max_clip_s / frame_s)
    min_len = int(MIN_CLIP_S / frame_s)
    clips = []
    while stop - start > max_len:
        cut = _cut_point(speech, powers, start + min_len, start + max_len)
        clips.append(ClipSpan(start=start, stop=cut))
        start = cut
    clips.append(ClipSpan(start=start, stop=stop))
    return clips


def _cut_point(speech: np.ndarray, powers: np.ndarray, earliest: int, latest: int) -> int:
    pauses = [(b - a, (a + b) // 2) for a, b in activity.runs(~speech[earliest:latest])]
    if pauses:
        _, middle = max(pauses)  # longest pause, the later one on ties
        return earliest + middle
    halfway = (earliest + latest) // 2
    return halfway + int(np.argmin(powers[halfway:latest]))


def share_transcript(transcript: str, speech: np.ndarray, clips: list[ClipSpan]) -> list[str]:
    """Words shared out in proportion to each clip's speech time (exact when there is one clip),
    nudged to a sentence or comma boundary within two words when there is one."""
    words = transcript.split()
    if len(clips) == 1 or not words:
        return [" ".join(words)] + [""] * (len(clips) - 1)
    speech_per_clip = np.array([speech[c.start : c.stop].sum() for c in clips], dtype=float)
    shares = np.cumsum(speech_per_clip) / max(speech_per_clip.sum(), 1)
    boundaries, previous = [], 0
    for share in shares[:-1]:
        boundary = _snap_to_punctuation(words, round(share * len(words)))
        boundary = min(max(boundary, previous), len(words))
        boundaries.append(boundary)
        previous = boundary
    edges = [0, *boundaries, len(words)]
    return [" ".join(words[a:b]) for a, b in itertools.pairwise(edges)]


def _snap_to_punctuation(words: list[str], index: int) -> int:
    for offset in (0, 1, -1, 2, -2):
        candidate = index + offset
        if 0 < candidate <= len(words) and re.search(r"[.!?;:,]$", words[candidate - 1]):
            return candidate
    return index
