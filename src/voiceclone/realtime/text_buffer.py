"""Text arriving in pieces (as an LLM writes it) cut into segments to speak: at sentence ends or a flush.

A sentence ends at `.`, `!`, `?` (and their CJK forms, `…`) followed by whitespace, or at a line
break: "3." followed by "14" is not an end, so the boundary is seen only once the next piece starts
with a space. Text longer than `max_characters` without an end is cut at its last space.
Offsets count characters of the session's whole text as received.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from voiceclone.domain.text import speakable_text

_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*\s+|[。！？]+|\n+")


@dataclass(frozen=True)
class Segment:
    index: int
    text: str  # what is spoken (stripped)
    start: int  # offsets into the session's text as received: [start, end)
    end: int

    @property
    def characters(self) -> int:
        return len(self.text)


class TextBuffer:
    def __init__(self, max_characters: int):
        self.max_characters = max_characters
        self._pending = ""
        self._pending_start = 0  # offset of _pending[0]
        self._count = 0

    @property
    def pending(self) -> str:
        return self._pending

    def add(self, text: str) -> list[Segment]:
        """Segments completed by `text` (none while a sentence is still open)."""
        self._pending += text
        segments: list[Segment] = []
        while True:
            cut = self._next_cut()
            if cut is None:
                return segments
            segments.extend(self._take(cut))

    def flush(self) -> list[Segment]:
        """Whatever is buffered, spoken now (a flush or the end of the input)."""
        return self._take(len(self._pending))

    def _next_cut(self) -> int | None:
        match = _SENTENCE_END.search(self._pending)
        if match is not None and match.end() <= self.max_characters:
            return match.end()
        if len(self._pending) <= self.max_characters:
            return None
        space = self._pending.rfind(" ", 0, self.max_characters)
        return space + 1 if space > 0 else self.max_characters

    def _take(self, cut: int) -> list[Segment]:
        raw, self._pending = self._pending[:cut], self._pending[cut:]
        start = self._pending_start
        self._pending_start += cut
        try:
            text = speakable_text(raw)
        except ValueError:  # only punctuation or spaces: nothing to speak, nothing charged
            return []
        leading = len(raw) - len(raw.lstrip())
        segment = Segment(self._count, text, start + leading, start + leading + len(text))
        self._count += 1
        return [segment]
