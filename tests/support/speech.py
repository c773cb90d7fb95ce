"""Real speech with transcripts for tests and benchmarks.

The recordings come from Debian packages that `scripts/fetch_test_speech.sh` unpacks into
`.cache/speech/` (run automatically the first time a helper needs them):

- `english_utterances()`: five LibriVox utterances read by one speaker (pocketsphinx-testdata), 16 kHz.
- `czech_utterances(speaker)`: ~100 minutes of Czech game dialogue (Fish Fillets NG) by several voice
  actors; the speaker is the character ("small", "big", "statue", ...), transcripts from dialogs_cs.lua.
- `espeak_utterance(text, voice)`: a synthetic speaker rendered by espeak-ng into a temporary WAV.
- `concatenated_speech(seconds)`: one long mono signal of real Czech speech, for benchmarks.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

REPO_ROOT = Path(__file__).resolve().parents[2]
FETCH_SCRIPT = REPO_ROOT / "scripts" / "fetch_test_speech.sh"
LIBRIVOX_DIR = Path("usr/share/pocketsphinx/test/data/librivox")
FILLETS_DIR = Path("usr/share/games/fillets-ng")

# dialogId("id", "font_speaker", "English") followed by dialogStr("Czech text")
_DIALOG = re.compile(
    r'dialogId\("(?P<id>[^"]+)",\s*"(?P<font>[^"]*)",\s*"(?:[^"\\]|\\.)*"\)\s*'
    r'dialogStr\("(?P<text>(?:[^"\\]|\\.)*)"\)'
)
_LIBRIVOX_LINE = re.compile(r"<s>\s*(?P<text>.*?)\s*</s>\s*\((?P<id>[^)]+)\)")


@dataclass(frozen=True)
class Utterance:
    """One recording of real speech and what is said in it."""

    path: Path
    transcript: str
    speaker: str
    language: str

    def load(self, mono: bool = True) -> tuple[np.ndarray, int]:
        """Samples as float32 (mono: 1-D, else frames x channels) and the sample rate."""
        samples, rate = sf.read(self.path, dtype="float32", always_2d=True)
        return (samples.mean(axis=1) if mono else samples), rate

    @property
    def duration_s(self) -> float:
        return sf.info(self.path).duration


def speech_cache() -> Path:
    """The cache folder, fetched on first use."""
    cache = Path(os.environ.get("VOICECLONE_SPEECH_CACHE", REPO_ROOT / ".cache" / "speech"))
    if not (cache / ".complete").exists():
        result = subprocess.run([str(FETCH_SCRIPT)], check=False, capture_output=True, text=True, timeout=900)
        if result.returncode != 0:
            raise RuntimeError(f"{FETCH_SCRIPT} failed, test speech unavailable:\n{result.stderr}")
    return cache


@functools.cache
def english_utterances() -> tuple[Utterance, ...]:
    """LibriVox (Sense and Sensibility), one English reader, 16 kHz mono, 3-7 s each."""
    folder = speech_cache() / LIBRIVOX_DIR
    utterances = []
    for line in (folder / "transcription").read_text().splitlines():
        match = _LIBRIVOX_LINE.search(line)
        if match:
            path = folder / f"{match['id']}.wav"
            utterances.append(Utterance(path, match["text"], "librivox_austen", "en"))
    return tuple(utterances)


@functools.cache
def _all_czech_utterances() -> tuple[Utterance, ...]:
    root = speech_cache() / FILLETS_DIR
    utterances = []
    for dialogs in sorted((root / "script").glob("*/dialogs_cs.lua")):
        level = dialogs.parent.name
        for match in _DIALOG.finditer(dialogs.read_text(encoding="utf-8")):
            path = root / "sound" / level / "cs" / f"{match['id']}.ogg"
            speaker = match["font"].removeprefix("font_")
            text = match["text"].replace('\\"', '"').strip()
            if path.exists() and speaker and text:
                utterances.append(Utterance(path, text, speaker, "cs"))
    return tuple(utterances)


def czech_utterances(speaker: str | None = None) -> tuple[Utterance, ...]:
    """Czech dialogue (OGG Vorbis, mostly 22.05 kHz mono), optionally one speaker's lines only.

    The two main actors are "small" (~780 lines) and "big" (~740 lines).
    """
    utterances = _all_czech_utterances()
    if speaker is None:
        return utterances
    return tuple(u for u in utterances if u.speaker == speaker)


def czech_speakers() -> dict[str, int]:
    """Speaker name -> number of lines, most lines first."""
    counts: dict[str, int] = {}
    for utterance in _all_czech_utterances():
        counts[utterance.speaker] = counts.get(utterance.speaker, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: -item[1]))


def espeak_utterance(
    text: str, voice: str = "en", *, speed_wpm: int = 160, directory: Path | None = None
) -> Utterance:
    """Synthesise `text` with espeak-ng (22.05 kHz mono WAV) into `directory` or a temp folder."""
    if shutil.which("espeak-ng") is None:
        raise RuntimeError("espeak-ng is not installed (apt-get install espeak-ng)")
    folder = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="espeak-"))
    path = folder / f"espeak_{re.sub(r'[^A-Za-z0-9]+', '_', voice)}_{hashlib.sha1(text.encode()).hexdigest()[:10]}.wav"
    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed_wpm), "-w", str(path), text],
        check=True, capture_output=True, timeout=60,
    )
    return Utterance(path, text, f"espeak_{voice}", voice.split("+")[0].split("-")[0])


def concatenated_speech(
    seconds: float, sample_rate: int = 22050, speaker: str | None = None
) -> tuple[np.ndarray, int]:
    """At least `seconds` of real Czech speech as one float32 mono signal (deterministic order).

    Utterances are joined back to back, with their own pauses, resampled to `sample_rate` when needed.
    """
    import soxr

    wanted = int(seconds * sample_rate)
    pieces, total = [], 0
    utterances = czech_utterances(speaker)
    while total < wanted:  # cycles through the corpus when more is asked than it holds
        for utterance in utterances:
            samples, rate = utterance.load()
            if rate != sample_rate:
                samples = soxr.resample(samples, rate, sample_rate).astype(np.float32)
            pieces.append(samples)
            total += len(samples)
            if total >= wanted:
                break
    return np.concatenate(pieces)[:wanted], sample_rate
