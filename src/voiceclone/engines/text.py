"""Text preparation for synthesis: normalisation and sentence splitting within a character limit.

XTTS degrades (and truncates) past a per-language character count, so long text is cut at sentence
ends, sentences are packed up to the limit, and an overlong sentence is wrapped at word boundaries.
A small regex splitter: coqui's own split_sentence needs spaCy, which this project does not install.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "«": '"', "»": '"'})
_WHITESPACE = re.compile(r"\s+")
# A sentence ends at . ! ? … (or CJK 。！？) followed by space or the end, keeping the mark.
_SENTENCE_END = re.compile(r"(?<=[.!?…。！？])\s+|(?<=[。！？])")


def normalize(text: str) -> str:
    """Unicode NFC, plain quotes and dashes, no control characters, single spaces."""
    text = unicodedata.normalize("NFC", text).translate(_QUOTES)
    text = text.replace("—", ", ").replace("–", "-")
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return _WHITESPACE.sub(" ", text).strip()


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def split_text(text: str, limit: int) -> list[str]:
    """Chunks of at most `limit` characters, cut at sentence ends where possible, else at words."""
    chunks: list[str] = []
    for sentence in split_sentences(normalize(text)):
        pieces = [sentence] if len(sentence) <= limit else textwrap.wrap(sentence, width=limit, break_on_hyphens=False)
        for piece in pieces:
            if chunks and len(chunks[-1]) + 1 + len(piece) <= limit:
                chunks[-1] = f"{chunks[-1]} {piece}"
            else:
                chunks.append(piece)
    return chunks
