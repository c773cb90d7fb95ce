"""The plan of a long text: paragraphs and sentences in order, their languages, pauses, groups; WebVTT."""

from __future__ import annotations

from tests.support import webvtt
from voiceclone.domain.long_form import (
    PARAGRAPH_PAUSE_S,
    PIECE_PAUSE_S,
    SENTENCE_PAUSE_S,
    LanguagePart,
    groups,
    paragraphs,
    plan,
    plan_fingerprint,
)
from voiceclone.domain.timestamps import SentenceTime, Timestamps, to_webvtt

TEXT = "First sentence here. Second one!\n\n  Another paragraph?  Yes…\nStill the same paragraph.\n\n\nLast."


def test_paragraphs_and_sentences_in_order_with_their_pauses() -> None:
    assert len(paragraphs(TEXT)) == 3
    planned = plan(TEXT, "en")
    assert [s.text for s in planned] == [
        "First sentence here.", "Second one!", "Another paragraph?", "Yes…", "Still the same paragraph.", "Last."]
    assert [s.paragraph for s in planned] == [0, 0, 1, 1, 1, 2]
    assert [s.pause_after_s for s in planned] == [SENTENCE_PAUSE_S, PARAGRAPH_PAUSE_S, SENTENCE_PAUSE_S,
                                                  SENTENCE_PAUSE_S, PARAGRAPH_PAUSE_S, 0.0]
    assert [s.index for s in planned] == list(range(6))
    assert all(TEXT[s.start : s.end] == s.text for s in planned)


def test_a_sentence_over_the_limit_is_wrapped_at_words() -> None:
    sentence = " ".join(["word"] * 100) + "."
    planned = plan(sentence, "en", limit_of=lambda _language: 60)
    assert len(planned) > 1 and all(len(s.text) <= 60 for s in planned)
    assert " ".join(s.text for s in planned) == sentence
    assert [s.pause_after_s for s in planned[:-1]] == [PIECE_PAUSE_S] * (len(planned) - 1)


def test_language_parts_give_each_sentence_its_language() -> None:
    text = "An English sentence. Ein deutscher Satz. Another English one."
    german = text.index("Ein")
    parts = [LanguagePart(start=0, end=german - 1, language="en"),
             LanguagePart(start=german, end=german + 17, language="de"),
             LanguagePart(start=german + 18, end=len(text), language="en")]
    assert [s.language for s in plan(text, "en", parts)] == ["en", "de", "en"]


def test_groups_cover_the_plan_in_order_and_fingerprints_tell_plans_apart() -> None:
    planned = plan(" ".join(f"Sentence number {i} is here." for i in range(100)), "en")
    grouped = groups(planned, characters=200)
    assert [s for g in grouped for s in g] == planned
    assert all(sum(len(s.text) for s in g) <= 200 for g in grouped)
    assert plan_fingerprint(planned) == plan_fingerprint(list(planned))
    assert plan_fingerprint(planned) != plan_fingerprint(planned[:-1])
    assert plan_fingerprint(planned, "style") != plan_fingerprint(planned)


def test_webvtt_passes_the_strict_check_and_escapes_cue_text() -> None:
    timestamps = Timestamps(job_id="tts_1", duration_s=4000.0, sentences=[
        SentenceTime(index=0, paragraph=0, language="en", text="Tom & Jerry <3 --> fun", start_s=0.0, end_s=1.25),
        SentenceTime(index=1, paragraph=0, language="en", text="Second\nline", start_s=1.5, end_s=1.5),
        SentenceTime(index=2, paragraph=1, language="en", text="Late.", start_s=3725.004, end_s=3727.5),
    ])
    vtt = to_webvtt(timestamps)
    assert webvtt.problems(vtt) == []
    assert "Tom &amp; Jerry &lt;3 --&gt; fun" in vtt
    assert webvtt.cue_times(vtt) == [(0.0, 1.25), (1.5, 1.501), (3725.004, 3727.5)]
    assert "01:02:05.004 --> 01:02:07.500" in vtt


def test_the_strict_check_refuses_what_the_spec_forbids() -> None:
    assert webvtt.problems("WEBVT\n\n") != []
    assert webvtt.problems("WEBVTT\n\n00:00:01.000 --> 00:00:00.500\nback in time\n") != []
    assert webvtt.problems("WEBVTT\n\n00:00:01,000 --> 00:00:02.000\ncomma\n") != []
    assert webvtt.problems("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\na < b & c\n") != []
    assert webvtt.problems("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nfine\n") == []
