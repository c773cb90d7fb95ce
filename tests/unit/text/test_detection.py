"""Language detection calibrated on short and long texts in ten languages, and mixed texts split into runs."""

from __future__ import annotations

from itertools import pairwise

import pytest

from tests.unit.text.calibration_texts import LONG, SHORT
from voiceclone.domain.languages import XTTS_V2_LANGUAGES
from voiceclone.text.detection import MIN_CONFIDENCE, detect_text, engine_code


@pytest.mark.parametrize("language", sorted(LONG))
def test_a_paragraph_is_detected_surely(language: str) -> None:
    main, parts = detect_text(LONG[language], XTTS_V2_LANGUAGES)
    assert main is not None and main.language == language
    assert main.confidence >= 0.9
    assert [part.language for part in parts] == [language]


def test_short_sentences_are_mostly_detected_and_rarely_wrong() -> None:
    """Unsure is fine (the voice's language is spoken); sure and wrong is what the threshold keeps rare."""
    outcomes = {"right": 0, "unsure": 0, "wrong": 0}
    for language, texts in SHORT.items():
        for text in texts:
            main, _ = detect_text(text, XTTS_V2_LANGUAGES)
            outcomes["unsure" if main is None else "right" if main.language == language else "wrong"] += 1
    total = sum(outcomes.values())
    assert total == 40
    assert outcomes["right"] >= 0.8 * total, outcomes
    assert outcomes["wrong"] <= 2, outcomes


def test_too_little_text_is_not_guessed() -> None:
    assert detect_text("ok", XTTS_V2_LANGUAGES) == (None, [])
    assert detect_text("1234 5678", XTTS_V2_LANGUAGES) == (None, [])


def test_a_mixed_text_is_split_into_runs_at_sentences() -> None:
    text = (f"{LONG['en']}\n\n{LONG['de']} Ja.\n\n{LONG['fr']}")
    main, parts = detect_text(text, XTTS_V2_LANGUAGES)
    assert main is not None and main.confidence >= MIN_CONFIDENCE
    assert [part.language for part in parts] == ["en", "de", "fr"]
    assert text[parts[1].start : parts[1].end].endswith("Ja.")  # a short sentence stays with its neighbours
    assert parts[0].start == 0 and parts[-1].end == len(text)
    assert all(a.end <= b.start for a, b in pairwise(parts))


def test_a_short_foreign_phrase_does_not_switch_language() -> None:
    text = f"{LONG['en']} She said merci and left. {LONG['en']}"
    _, parts = detect_text(text, XTTS_V2_LANGUAGES)
    assert [part.language for part in parts] == ["en"]


def test_engine_codes_keep_the_engines_spelling() -> None:
    assert engine_code("zh", XTTS_V2_LANGUAGES) == "zh-cn"
    assert engine_code("de", ("en", "fr")) is None
