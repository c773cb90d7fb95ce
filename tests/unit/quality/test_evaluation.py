"""The evaluation's parts that need no model: which clips are held out, and the verdicts' reasons."""

from __future__ import annotations

from pathlib import Path

from voiceclone.engines.base import TrainingClip
from voiceclone.quality.evaluation import build_report, split_held_out, verdict
from voiceclone.quality.report import Headline, ReferenceClip, ReferenceSpeech, SentenceReport
from voiceclone.quality.sentences import EVALUATION_SENTENCES, sentences_for
from voiceclone.quality.thresholds import limits_for


def _clips(*durations: float) -> list[TrainingClip]:
    return [TrainingClip(Path(f"clip_{i}.wav"), d, "en") for i, d in enumerate(durations)]


def test_the_shortest_clips_are_held_out_within_limits():
    training, held = split_held_out(_clips(3.0, 4.0, 5.0, 6.0, 7.0))  # 25 s: hold out >= 6.25 s
    assert [c.duration_s for c in held] == [3.0, 4.0]
    assert sorted(c.duration_s for c in training) == [5.0, 6.0, 7.0]
    training, held = split_held_out(_clips(*[10.0] * 10))  # 100 s: 12 s at most
    assert len(held) == 2 and len(training) == 8
    training, held = split_held_out(_clips(2.0, 40.0))  # holding out 2 s leaves 95 %
    assert [c.duration_s for c in held] == [2.0]


def test_nothing_is_held_out_when_training_would_starve():
    assert split_held_out(_clips(30.0)) == (_clips(30.0), [])
    training, held = split_held_out(_clips(10.0, 10.0))  # one of two would leave 50 % < 60 %
    assert held == [] and len(training) == 2


def _sentence(issues=()) -> SentenceReport:
    return SentenceReport(
        text="x", duration_s=2.0, signal={
            "duration_s": 2.0, "loudness_lufs": -16.0, "true_peak_dbtp": -2.0, "clipped_fraction": 0.0, "speech_s": 1.8,
            "leading_silence_s": 0.1, "trailing_silence_s": 0.1, "longest_inner_silence_s": 0.2,
            "chars_per_second": 12.0, "repeated_fraction": 0.0,
        }, issues=list(issues), quality_score=0.5,
    )


def test_verdict_reasons_name_each_shortfall_in_plain_words():
    limits = limits_for("medium")
    poor = Headline(speaker_similarity=0.4, same_speaker_probability=0.0, dnsmos_ovrl=1.6, wer=0.5, quality_score=0.2)
    result = verdict(poor, [_sentence(["a 2.0 s pause inside the speech"]), _sentence()], limits)
    assert not result.passed and len(result.reasons) == 4
    text = " ".join(result.reasons)
    assert "does not sound enough like your recordings" in text and "0.40" in text
    assert "does not sound natural enough" in text and "hard to understand" in text
    assert "1 of 2 evaluation sentences" in text and "pause inside" in text
    good = Headline(speaker_similarity=0.9, same_speaker_probability=0.99, dnsmos_ovrl=3.4, wer=None, quality_score=0.9)
    assert verdict(good, [_sentence()], limits).passed


def test_a_report_without_asr_or_held_out_speech_says_so():
    reference = ReferenceSpeech(held_out=False, clips=[ReferenceClip(name="a.wav", duration_s=9.0)], seconds=9.0)
    report = build_report([], reference, "en", "low", "resemblyzer", False, 1, 0.5)
    assert not report.passed  # nothing measured: nothing confirmed
    assert any("no ASR model" in note for note in report.notes)
    assert any("too little speech to hold any back" in note for note in report.notes)
    assert set(report.verdicts) == set(report.thresholds) == {"low", "medium", "high"}


def test_every_xtts_language_has_three_sentences():
    assert len(EVALUATION_SENTENCES) == 17 and all(len(s) == 3 for s in EVALUATION_SENTENCES.values())
    assert sentences_for("pt-BR") == EVALUATION_SENTENCES["pt"] and sentences_for("zh") == EVALUATION_SENTENCES["zh-cn"]
    assert sentences_for("xx") == EVALUATION_SENTENCES["en"]
