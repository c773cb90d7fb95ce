"""Intelligibility: word and character error rates of an ASR transcript of generated speech.

Only when an ASR model is configured (VOICECLONE_ASR_MODEL, voiceclone.engines.asr); otherwise the
report carries `available: false` and says why, never a made-up figure.
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
from pathlib import Path

import numpy as np

from voiceclone.quality.report import Intelligibility

NO_ASR = "no ASR model is configured (VOICECLONE_ASR_MODEL): intelligibility was not measured"


def normalise(text: str) -> str:
    """Lower case, letters and digits only, single spaces (punctuation does not count as an error)."""
    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]|_", " ", text)).strip()


def edit_distance(reference: list[str], hypothesis: list[str]) -> int:
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        current = [i] + [0] * len(hypothesis)
        for j, hyp in enumerate(hypothesis, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref != hyp))
        previous = current
    return previous[-1]


def error_rates(reference: str, hypothesis: str) -> tuple[float, float]:
    """(WER, CER) of `hypothesis` against `reference`, after normalise()."""
    ref, hyp = normalise(reference), normalise(hypothesis)
    words = ref.split()
    wer = edit_distance(words, hyp.split()) / max(len(words), 1)
    chars = list(ref.replace(" ", ""))
    cer = edit_distance(chars, list(hyp.replace(" ", ""))) / max(len(chars), 1)
    return round(wer, 4), round(cer, 4)


def measure(transcriber, samples: np.ndarray, sample_rate: int, text: str, language: str) -> Intelligibility:
    """Transcribe and score; `transcriber` None (no ASR configured) gives an unavailable result."""
    if transcriber is None:
        return Intelligibility(available=False, note=NO_ASR)
    import soundfile

    with tempfile.TemporaryDirectory(prefix="quality-asr-") as folder:
        path = Path(folder) / "speech.wav"
        soundfile.write(path, np.asarray(samples, dtype=np.float32), sample_rate)
        transcript = transcriber.transcribe(path, language)
    wer, cer = error_rates(text, transcript)
    return Intelligibility(available=True, wer=wer, cer=cer, transcript=transcript)
