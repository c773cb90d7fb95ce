"""Which language a text is in, and where a long text changes language (lingua, offline).

lingua-language-detector ships its n-gram models in its wheel (a Rust extension: no numpy, so the API
may run it). Built once per process for the platform's languages only, in low-accuracy mode: 55 MB
resident and ~0.15 s to load instead of 400 MB and 2.7 s, and on the calibration texts
(tests/unit/text/test_detection.py) it is right from one short sentence up.

A sentence is given its own language only when it is long enough and the detector sure of it;
otherwise it is spoken in the language around it (one short foreign word does not switch voices).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from voiceclone.domain.long_form import LanguagePart, paragraphs, sentences

MIN_LETTERS = 12  # fewer letters than this: too little to tell (the voice's language is used)
MIN_CONFIDENCE = 0.7  # below it the voice's language is used (calibration: tests/unit/text)
SWITCH_LETTERS = 25  # a sentence switches language only with this many letters...
SWITCH_CONFIDENCE = 0.9  # ...and this confidence
SAMPLE_CHARACTERS = 5000  # of a long text read to find its main language


@dataclass(frozen=True)
class Detection:
    language: str  # ISO 639-1 ("zh" for Chinese)
    confidence: float


def _letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


@lru_cache(maxsize=4)
def _detector(codes: tuple[str, ...]):
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in codes]
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


def base_codes(languages: Iterable[str]) -> tuple[str, ...]:
    """ISO 639-1 codes of engine language codes ("zh-cn" -> "zh"), sorted and unique."""
    return tuple(sorted({code.split("-")[0].lower() for code in languages}))


def detect(text: str, languages: Iterable[str]) -> Detection | None:
    """The most likely of `languages` for `text`; None when it is too short or no language is likely."""
    codes = base_codes(languages)
    if _letters(text) < MIN_LETTERS or len(codes) < 2:
        return None
    values = _detector(codes).compute_language_confidence_values(text[:SAMPLE_CHARACTERS])
    if not values or values[0].value <= 0.0:
        return None
    best = values[0]
    return Detection(best.language.iso_code_639_1.name.lower(), round(float(best.value), 3))


def engine_code(code: str, engine_languages: Sequence[str]) -> str | None:
    """The engine's spelling of an ISO 639-1 code ("zh" -> "zh-cn" for XTTS); None when it lacks it."""
    for candidate in engine_languages:
        if candidate.split("-")[0].lower() == code:
            return candidate
    return None


def detect_text(text: str, languages: Iterable[str]) -> tuple[Detection | None, list[LanguagePart]]:
    """The text's main language (most letters among the sentences sure of theirs; the whole text's
    when none is) and its runs per language. (None, []) when nothing can be told."""
    codes = base_codes(languages)
    spans = [span for paragraph in paragraphs(text) for span in sentences(text, paragraph)]
    found = {index: _sure(text[span.start : span.end], codes) for index, span in enumerate(spans)}
    votes: dict[str, list[tuple[int, float]]] = {}
    for index, detection in found.items():
        if detection is not None:
            votes.setdefault(detection.language, []).append((_letters(text[spans[index].start : spans[index].end]),
                                                             detection.confidence))
    if votes:
        language, weighted = max(votes.items(), key=lambda item: sum(letters for letters, _ in item[1]))
        letters = sum(n for n, _ in weighted)
        main = Detection(language, round(sum(n * c for n, c in weighted) / letters, 3))
    else:
        main = detect(text, codes)  # type: ignore[assignment]
    if main is None or main.confidence < MIN_CONFIDENCE:
        return None, []
    return main, _runs(text, spans, found, main.language)


def _sure(sentence: str, codes: tuple[str, ...]) -> Detection | None:
    if _letters(sentence) < SWITCH_LETTERS:
        return None
    detection = detect(sentence, codes)
    return detection if detection is not None and detection.confidence >= SWITCH_CONFIDENCE else None


def _runs(text: str, spans, found: dict[int, Detection | None], main: str) -> list[LanguagePart]:
    """Merged runs; a sentence unsure of its language keeps the one before it (`main` at the start)."""
    runs: list[LanguagePart] = []
    for index, span in enumerate(spans):
        detection = found[index]
        language = detection.language if detection else (runs[-1].language if runs else main)
        confidence = detection.confidence if detection else None
        if runs and runs[-1].language == language:
            previous = runs[-1]
            runs[-1] = previous.model_copy(update={"end": span.end, "confidence": _lower(previous.confidence, confidence)})
        else:
            runs.append(LanguagePart(start=span.start, end=span.end, language=language, confidence=confidence))
    return runs


def _lower(first: float | None, second: float | None) -> float | None:
    known = [value for value in (first, second) if value is not None]
    return min(known) if known else None
