"""When each sentence of a result is spoken: the timestamps JSON next to the audio and WebVTT subtitles.

Word times need a forced aligner; none is installed, so `words` stays empty and `word_alignment`
says so (the sentence times are exact: they come from the joined audio itself).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

NO_WORD_ALIGNER = "none: no forced aligner is installed; sentence times only"


class SentenceTime(BaseModel):
    model_config = ConfigDict(frozen=True)

    index: int = Field(ge=0)
    paragraph: int = Field(ge=0)
    language: str
    text: str
    start_s: float = Field(ge=0)
    end_s: float = Field(ge=0)


class WordTime(BaseModel):
    model_config = ConfigDict(frozen=True)

    word: str
    start_s: float = Field(ge=0)
    end_s: float = Field(ge=0)


class Timestamps(BaseModel):
    """timestamps.json of a TTS result (`tts/{user_id}/{job_id}.timestamps.json`)."""

    job_id: str
    duration_s: float = Field(ge=0)
    sentences: list[SentenceTime]
    words: list[WordTime] = Field(default_factory=list)
    word_alignment: str = NO_WORD_ALIGNER


def _clock(seconds: float) -> str:
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _cue_text(text: str) -> str:
    """Cue payload: no blank lines, no "-->", & < > escaped (WebVTT cue text rules)."""
    text = " ".join(text.split())
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("-->", "--&gt;")


def to_webvtt(timestamps: Timestamps) -> str:
    lines = ["WEBVTT", ""]
    for sentence in timestamps.sentences:
        end_s = max(sentence.end_s, sentence.start_s + 0.001)  # a cue's end must follow its start
        lines += [str(sentence.index + 1), f"{_clock(sentence.start_s)} --> {_clock(end_s)}",
                  _cue_text(sentence.text), ""]
    return "\n".join(lines)
