"""Speaking a planned text sentence by sentence: resumable, evenly loud, timed.

Each sentence is normalised (numbers, dates... written out in its language) and spoken with the same
voice and settings, brought to the common loudness target, and kept: groups of sentences go to S3 as
they finish (workers.checkpoints.S3SentenceCheckpoints), so a redelivered job speaks on from the first
unfinished group. The sentences are joined with a short fade and the plan's pause after each; their
start and end in the joined audio are the timestamps.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from voiceclone.domain.long_form import Sentence, groups
from voiceclone.domain.timestamps import SentenceTime
from voiceclone.domain.tts import VoiceSettings
from voiceclone.engines.base import Engine
from voiceclone.engines.text import normalize
from voiceclone.text.normalize import expand
from voiceclone.workers.checkpoints import S3SentenceCheckpoints
from voiceclone.workers.postprocess import normalize_loudness

FADE_S = 0.01  # in and out of each sentence: the crossfade with the pause around it
QUALITY_EXCERPT_S = 60.0  # of a result measured by the quality report


@dataclass
class SpokenText:
    samples: np.ndarray
    sample_rate: int
    sentences: list[SentenceTime]
    resumed_sentences: int  # taken from checkpoints, not spoken again
    synthesis_s: float  # spent speaking (this run only)


def spoken_form(sentence: Sentence) -> str:
    """What the engine is given for a sentence: numbers and dates written out, quotes and dashes plain."""
    return normalize(expand(sentence.text, sentence.language))


def speak_plan(
    engine: Engine,
    voice: Any,
    planned: Sequence[Sentence],
    settings: VoiceSettings,
    checkpoints: S3SentenceCheckpoints | None,
    progress: Callable[[int, int], None],
) -> SpokenText:
    """The whole text's audio; `progress(done, total)` after every sentence; `checkpoints` None: keep none."""
    finished = checkpoints.finished() if checkpoints is not None else set()
    audios: list[np.ndarray] = []
    rate = 0
    resumed, spent, total = 0, 0.0, len(planned)
    for number, group in enumerate(groups(planned)):
        if number in finished and checkpoints is not None:
            group_audio, rate = checkpoints.load(number)
            resumed += len(group_audio)
        else:
            started = time.perf_counter()
            group_audio = []
            for sentence in group:
                audio = engine.synthesize(spoken_form(sentence), voice, sentence.language, settings)
                rate = audio.sample_rate
                group_audio.append(normalize_loudness(audio.samples, rate))
                progress(len(audios) + len(group_audio), total)
            spent += time.perf_counter() - started
            if checkpoints is not None:
                checkpoints.save(number, group_audio, rate)
        audios.extend(group_audio)
        progress(len(audios), total)
    samples, times = join(audios, planned, rate)
    return SpokenText(normalize_loudness(samples, rate), rate, times, resumed, spent)


def _faded(audio: np.ndarray, fade: int) -> np.ndarray:
    audio = np.asarray(audio, dtype=np.float32).copy()
    fade = min(fade, len(audio) // 2)
    if fade > 0:
        ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
        audio[:fade] *= ramp
        audio[-fade:] *= ramp[::-1]
    return audio


def join(audios: Sequence[np.ndarray], planned: Sequence[Sentence], rate: int) -> tuple[np.ndarray, list[SentenceTime]]:
    """Sentences faded in and out, each followed by its pause; and when each one sounds."""
    pieces: list[np.ndarray] = []
    times: list[SentenceTime] = []
    position = 0
    fade = int(FADE_S * rate)
    for audio, sentence in zip(audios, planned, strict=True):
        faded = _faded(audio, fade)
        pause = np.zeros(round(sentence.pause_after_s * rate), dtype=np.float32)
        times.append(SentenceTime(index=sentence.index, paragraph=sentence.paragraph, language=sentence.language,
                                  text=sentence.text, start_s=round(position / rate, 3),
                                  end_s=round((position + len(faded)) / rate, 3)))
        pieces += [faded, pause]
        position += len(faded) + len(pause)
    samples = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
    return samples, times


def quality_excerpt(spoken: SpokenText, seconds: float = QUALITY_EXCERPT_S) -> tuple[np.ndarray, str]:
    """The first `seconds` of the result and the sentences said in them: what the quality report measures
    (its cost grows with the audio; a long text's first minute tells its voice and cleanliness)."""
    limit = int(seconds * spoken.sample_rate)
    said = [s.text for s in spoken.sentences if s.end_s <= seconds] or [s.text for s in spoken.sentences[:1]]
    return spoken.samples[:limit], " ".join(said)
