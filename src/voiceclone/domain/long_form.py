"""Long texts as a plan of sentences: paragraphs, sentences, their language, the pause after each.

Pure Python (the API detects languages on the same spans the worker speaks). A sentence longer than an
engine's per-request limit is wrapped at words into pieces that follow each other with a short pause.
Sentences are checkpointed in groups (`groups`): a worker that dies resumes at the first unfinished one.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from collections.abc import Callable, Sequence

from pydantic import BaseModel, ConfigDict, Field

SENTENCE_PAUSE_S = 0.3  # silence after a sentence
PARAGRAPH_PAUSE_S = 0.8  # after the last sentence of a paragraph
PIECE_PAUSE_S = 0.12  # between the pieces of a sentence wrapped at words
GROUP_CHARACTERS = 600  # of text per checkpointed group (about 40 s of speech)

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
# A sentence ends at . ! ? … followed by space, or after CJK 。！？, keeping the mark.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|(?<=[。！？])\s*")


class Span(BaseModel):
    """Characters [start, end) of the job's text."""

    model_config = ConfigDict(frozen=True)

    start: int = Field(ge=0)
    end: int = Field(ge=0)


class LanguagePart(BaseModel):
    """A run of the text in one language: [start, end) characters of the job's text."""

    model_config = ConfigDict(frozen=True)

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    language: str
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)


class Sentence(BaseModel):
    model_config = ConfigDict(frozen=True)

    index: int
    paragraph: int
    start: int  # in the job's text
    end: int
    text: str  # as written (timestamps and subtitles show it)
    language: str
    pause_after_s: float


def paragraphs(text: str) -> list[Span]:
    """Blank-line separated paragraphs, as spans without their surrounding whitespace."""
    spans, position = [], 0
    for match in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        spans.extend(_stripped(text, position, end))
        position = match.end() if match else len(text)
    return spans


def sentences(text: str, within: Span | None = None) -> list[Span]:
    """Sentence spans of `text` (or of the part `within`), without surrounding whitespace."""
    start, stop = (within.start, within.end) if within else (0, len(text))
    spans, position = [], start
    for match in _SENTENCE_END.finditer(text, start, stop):
        spans.extend(_stripped(text, position, match.start()))
        position = match.end()
    spans.extend(_stripped(text, position, stop))
    return spans


def _stripped(text: str, start: int, end: int) -> list[Span]:
    piece = text[start:end]
    if not piece.strip():
        return []
    left = len(piece) - len(piece.lstrip())
    return [Span(start=start + left, end=start + len(piece.rstrip()))]


def language_at(parts: Sequence[LanguagePart], position: int, default: str) -> str:
    for part in parts:
        if part.start <= position < part.end:
            return part.language
    return default


def plan(
    text: str, language: str, parts: Sequence[LanguagePart] = (), limit_of: Callable[[str], int] = lambda _l: 250
) -> list[Sentence]:
    """The sentences to speak in order; `parts` give other languages, `limit_of(language)` the characters
    an engine takes at once (longer sentences are wrapped at words)."""
    planned: list[Sentence] = []
    paragraph_spans = paragraphs(text)
    for number, paragraph in enumerate(paragraph_spans):
        spans = sentences(text, paragraph)
        for position, span in enumerate(spans):
            spoken_language = language_at(parts, span.start, language)
            pieces = _pieces(text[span.start : span.end], limit_of(spoken_language))
            last_sentence = position == len(spans) - 1
            offset = span.start
            for piece_number, piece in enumerate(pieces):
                start = text.find(piece.split(" ", 1)[0], offset)
                start = start if start >= 0 else offset
                end = min(span.end, start + len(piece))
                offset = end
                if piece_number < len(pieces) - 1:
                    pause = PIECE_PAUSE_S
                elif last_sentence and number < len(paragraph_spans) - 1:
                    pause = PARAGRAPH_PAUSE_S
                elif last_sentence:
                    pause = 0.0  # the end of the text
                else:
                    pause = SENTENCE_PAUSE_S
                planned.append(Sentence(index=len(planned), paragraph=number, start=start, end=end, text=piece,
                                        language=spoken_language, pause_after_s=pause))
    return planned


def _pieces(sentence: str, limit: int) -> list[str]:
    sentence = " ".join(sentence.split())
    if len(sentence) <= limit:
        return [sentence]
    return textwrap.wrap(sentence, width=limit, break_on_hyphens=False, break_long_words=True)


def groups(planned: Sequence[Sentence], characters: int = GROUP_CHARACTERS) -> list[list[Sentence]]:
    """Consecutive sentences of about `characters` of text each: the unit a worker checkpoints."""
    grouped: list[list[Sentence]] = []
    size = 0
    for sentence in planned:
        if not grouped or size + len(sentence.text) > characters:
            grouped.append([])
            size = 0
        grouped[-1].append(sentence)
        size += len(sentence.text)
    return grouped


def plan_fingerprint(planned: Sequence[Sentence], extra: str = "") -> str:
    """Identifies a plan (and its conditioning): checkpoints of another plan are never reused."""
    digest = hashlib.sha256(extra.encode())
    for sentence in planned:
        digest.update(f"{sentence.language}\x00{sentence.text}\x00{sentence.pause_after_s}\x01".encode())
    return digest.hexdigest()[:16]
