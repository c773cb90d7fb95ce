"""Text preparation and the voice_settings table."""

from __future__ import annotations

import pytest

from voiceclone.domain.tts import VoiceSettings
from voiceclone.engines.sampling import sampling_parameters
from voiceclone.engines.text import normalize, split_text


def test_normalize_plain_quotes_dashes_and_spaces():
    assert normalize("  “Hello”\t—  it’s\nme  ") == "\"Hello\" , it's me"


def test_short_text_stays_one_chunk():
    assert split_text("Hello there. How are you?", 250) == ["Hello there. How are you?"]


def test_long_text_is_cut_at_sentence_ends_within_the_limit():
    sentence = "This sentence has exactly fifty characters in it. "
    chunks = split_text(sentence * 12, 250)
    assert all(len(c) <= 250 for c in chunks)
    assert all(c.endswith(".") for c in chunks)
    assert " ".join(chunks) == (sentence * 12).strip()


def test_overlong_sentence_is_wrapped_at_words():
    words = " ".join(f"word{i}" for i in range(100))  # no sentence end, ~690 characters
    chunks = split_text(words, 186)
    assert len(chunks) == 4 and all(len(c) <= 186 for c in chunks)
    assert " ".join(chunks) == words


def test_empty_text_gives_no_chunks():
    assert split_text(" \n\t ", 250) == []


def test_defaults_map_to_the_documented_row():
    params = sampling_parameters(VoiceSettings())
    assert (params.temperature, params.top_p, params.top_k, params.repetition_penalty, params.speed) == (
        0.5, 0.8, 45, 10.0, 1.0,
    )


@pytest.mark.parametrize("stability", [0.0, 0.5, 1.0])
def test_more_stability_samples_colder_and_narrower(stability):
    low = sampling_parameters(VoiceSettings(stability=stability))
    high = sampling_parameters(VoiceSettings(stability=min(1.0, stability + 0.25)))
    assert high.temperature <= low.temperature and high.top_p <= low.top_p


def test_similarity_narrows_top_k_and_style_livens_sampling():
    assert sampling_parameters(VoiceSettings(similarity_boost=1.0)).top_k == 30
    lively = sampling_parameters(VoiceSettings(style=1.0))
    assert lively.repetition_penalty == 5.0 and lively.temperature == pytest.approx(0.8)
    assert sampling_parameters(VoiceSettings(speed=1.5)).speed == 1.5
