"""Real speech for the quality tests: ~8-s excerpts (consecutive lines) of one speaker at 16 kHz."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from tests.support.speech import czech_utterances, dutch_utterances, english_utterances

RATE = 16000


def excerpts(utterances, count: int, seconds: float = 8.0) -> list[np.ndarray]:
    import soxr

    out, pieces, total = [], [], 0
    for utterance in utterances:
        samples, rate = utterance.load()
        if rate != RATE:
            samples = soxr.resample(samples, rate, RATE).astype(np.float32)
        pieces.append(samples)
        total += len(samples)
        if total >= seconds * RATE:
            out.append(np.concatenate(pieces)[: int(seconds * RATE)])
            pieces, total = [], 0
            if len(out) == count:
                break
    return out


@functools.cache
def speaker_excerpts() -> dict[str, list[np.ndarray]]:
    """Five real speakers, two languages each for the game's actors, three excerpts per speaker
    (LibriVox: two, its five lines hold ~25 s)."""
    return {
        "librivox_en": excerpts(english_utterances(), 2, seconds=10.0),
        "fillets_cs_big": excerpts(czech_utterances("big"), 3),
        "fillets_cs_small": excerpts(czech_utterances("small"), 3),
        "fillets_nl_big": excerpts(dutch_utterances("big"), 3),
        "fillets_nl_small": excerpts(dutch_utterances("small"), 3),
    }


@pytest.fixture(scope="session")
def real_speakers() -> dict[str, list[np.ndarray]]:
    return speaker_excerpts()
