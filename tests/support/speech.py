"""Real speech with transcripts for tests and benchmarks.

The recordings come from Debian packages that `scripts/fetch_test_speech.sh` unpacks into
`.cache/speech/` (run automatically the first time a helper needs them):

- `english_utterances()`: five LibriVox utterances read by one speaker (pocketsphinx-testdata), 16 kHz.
- `czech_utterances(speaker)`: ~100 minutes of Czech game dialogue (Fish Fillets NG) by several voice
  actors; the speaker is the character ("small", "big", "statue", ...), transcripts from dialogs_cs.lua.
- `dutch_utterances(speaker)`: the same game's Dutch dialogue by two other voice actors ("small",
  "big"; ~1500 lines, Ogg Vorbis 22.05 kHz), transcripts from dialogs_nl.lua.
- `klettres_utterances(language)`: letters and syllables read by native speakers (KLettres), ~20
  languages, 44.1 kHz; the transcript is the letter or syllable.
- `calibration_voices()`: every real voice above as `Voice`s (speaker, language, style, utterances).
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
KLETTRES_DIR = Path("usr/share/klettres")

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


@functools.cache
def speech_cache() -> Path:
    """The cache folder, fetched (or completed with newly listed packages) on first use per process;
    the script returns at once when the cache is complete."""
    cache = Path(os.environ.get("VOICECLONE_SPEECH_CACHE", REPO_ROOT / ".cache" / "speech"))
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
def _all_fillets_utterances(language: str) -> tuple[Utterance, ...]:
    root = speech_cache() / FILLETS_DIR
    utterances = []
    for dialogs in sorted((root / "script").glob(f"*/dialogs_{language}.lua")):
        level = dialogs.parent.name
        for match in _DIALOG.finditer(dialogs.read_text(encoding="utf-8")):
            path = root / "sound" / level / language / f"{match['id']}.ogg"
            speaker = match["font"].removeprefix("font_")
            text = match["text"].replace('\\"', '"').strip()
            if path.exists() and speaker and text:
                utterances.append(Utterance(path, text, speaker, language))
    return tuple(utterances)


def fillets_utterances(language: str, speaker: str | None = None) -> tuple[Utterance, ...]:
    """Fish Fillets NG dialogue in `language` ("cs" or "nl"), optionally one speaker's lines only."""
    utterances = _all_fillets_utterances(language)
    if speaker is None:
        return utterances
    return tuple(u for u in utterances if u.speaker == speaker)


def czech_utterances(speaker: str | None = None) -> tuple[Utterance, ...]:
    """Czech dialogue (OGG Vorbis, mostly 22.05 kHz mono), optionally one speaker's lines only.

    The two main actors are "small" (~780 lines) and "big" (~740 lines).
    """
    return fillets_utterances("cs", speaker)


def dutch_utterances(speaker: str | None = None) -> tuple[Utterance, ...]:
    """Dutch dialogue (OGG Vorbis 22.05 kHz mono): "small" (~780 lines) and "big" (~740 lines)."""
    return fillets_utterances("nl", speaker)


def czech_speakers() -> dict[str, int]:
    """Speaker name -> number of lines, most lines first."""
    counts: dict[str, int] = {}
    for utterance in _all_fillets_utterances("cs"):
        counts[utterance.speaker] = counts.get(utterance.speaker, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: -item[1]))


@functools.cache
def klettres_languages() -> tuple[str, ...]:
    root = speech_cache() / KLETTRES_DIR
    return tuple(sorted(d.name for d in root.iterdir() if (d / "alpha").is_dir() and any((d / "alpha").glob("*.ogg"))))


@functools.cache
def klettres_utterances(language: str) -> tuple[Utterance, ...]:
    """Letters ("alpha") and syllables ("syllab") read by a native speaker, one file each, 44.1 kHz.

    The two folders may be different readers: the speaker is "<language>_alpha" or "<language>_syllab".
    """
    folder = speech_cache() / KLETTRES_DIR / language
    utterances = []
    for kind in ("alpha", "syllab"):
        for path in sorted((folder / kind).glob("*.ogg")):
            utterances.append(Utterance(path, path.stem, f"{language}_{kind}", language))
    return tuple(utterances)


@dataclass(frozen=True)
class Voice:
    """One real speaker of the calibration set: where it comes from and its recordings."""

    name: str  # unique: "<source>/<speaker>"
    source: str  # "librivox", "fillets_cs", "fillets_nl", "klettres"
    language: str
    style: str  # "read", "acted", "isolated words"
    utterances: tuple[Utterance, ...]


def calibration_voices(min_lines: int = 8) -> tuple[Voice, ...]:
    """Every real voice the cache holds with at least `min_lines` recordings (deterministic order).

    Fillets characters are counted as voices (a few minor characters may share an actor); KLettres
    letters and syllables per language are one voice each when read by one person (not known: both
    folders are kept apart).
    """
    voices = [Voice("librivox/austen", "librivox", "en", "read", english_utterances())]
    for language in ("cs", "nl"):
        by_speaker: dict[str, list[Utterance]] = {}
        for utterance in fillets_utterances(language):
            by_speaker.setdefault(utterance.speaker, []).append(utterance)
        for speaker, lines in sorted(by_speaker.items()):
            voices.append(Voice(f"fillets_{language}/{speaker}", f"fillets_{language}", language, "acted", tuple(lines)))
    for language in klettres_languages():
        by_speaker = {}
        for utterance in klettres_utterances(language):
            by_speaker.setdefault(utterance.speaker, []).append(utterance)
        for speaker, lines in sorted(by_speaker.items()):
            voices.append(Voice(f"klettres/{speaker}", "klettres", language, "isolated words", tuple(lines)))
    return tuple(v for v in voices if len(v.utterances) >= min_lines or v.source == "librivox")


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
