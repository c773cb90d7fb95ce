"""The test-speech cache and helpers: real recordings with transcripts, several speakers, quiet refetch."""

from __future__ import annotations

import subprocess

from tests.support import speech


def test_fetch_script_is_quiet_and_idempotent_when_cached():
    speech.speech_cache()
    result = subprocess.run([str(speech.FETCH_SCRIPT)], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout == "" and result.stderr == ""


def test_english_and_czech_utterances_are_real_recordings_with_transcripts():
    english = speech.english_utterances()
    assert len(english) == 5 and all(u.path.exists() and u.transcript for u in english)
    samples, rate = english[0].load()
    assert rate == 16000 and len(samples) / rate > 2
    speakers = speech.czech_speakers()
    assert speakers["small"] > 500 and speakers["big"] > 500 and len(speakers) >= 10
    big = speech.czech_utterances("big")
    assert all(u.speaker == "big" and u.language == "cs" and u.transcript for u in big)


def test_espeak_speaker_and_long_concatenation(tmp_path):
    utterance = speech.espeak_utterance("Dobrý den, tohle je zkouška.", "cs", directory=tmp_path)
    samples, rate = utterance.load()
    assert rate == 22050 and 1.0 < len(samples) / rate < 5.0
    long, long_rate = speech.concatenated_speech(90, sample_rate=16000)
    assert long_rate == 16000 and len(long) == 90 * 16000
