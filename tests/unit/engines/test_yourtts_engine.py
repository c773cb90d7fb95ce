"""YourTtsEngine on the tiny random YourTTS (coqui's VITS + ResNet speaker encoder) and real LibriVox speech."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

from tests.support.speech import english_utterances
from voiceclone.domain.tts import VoiceSettings
from voiceclone.engines.base import BadInput, FineTuneConfig, ModelUnavailable, TrainingClip
from voiceclone.engines.yourtts.engine import YourTtsEngine
from voiceclone.engines.yourtts.tiny import tiny_yourtts_dir

SENTENCE = "The quick brown fox jumps over the lazy dog, and then it runs home."


@pytest.fixture(scope="module")
def engine():
    engine = YourTtsEngine(tiny_yourtts_dir(), device="cpu")
    yield engine
    engine.unload()


@pytest.fixture(scope="module")
def voice_files(engine, tmp_path_factory):
    clips = [TrainingClip(u.path, u.duration_s, "en", u.transcript) for u in english_utterances()[:2]]
    stages = []
    artifacts = engine.create_voice(
        "yourtts", clips, FineTuneConfig(), lambda f, s: stages.append((f, s)), tmp_path_factory.mktemp("v")
    )
    assert stages[-1] == (1.0, "conditioning")
    return artifacts.files


def _speech_like(samples: np.ndarray) -> None:
    assert samples.dtype == np.float32 and np.isfinite(samples).all()
    assert np.sqrt(np.mean(samples**2)) > 1e-3  # not silent


def test_capabilities_say_zero_shot_clone_without_fine_tune(engine):
    caps = engine.capabilities("yourtts")
    assert caps.instant_clone and not caps.fine_tune and caps.streaming
    assert caps.sample_rate == 24000 and set(caps.languages) == {"en", "fr", "pt"}


def test_voice_is_a_speaker_embedding_of_the_clips(engine, voice_files):
    (path,) = voice_files.values()
    assert path.stat().st_size < 10_000
    voice = engine.load_voice("yourtts", voice_files)
    assert voice.d_vector.shape == (512,) and voice.language == "en"
    assert float(voice.d_vector.norm()) > 0


def test_a_sentence_is_spoken_at_24_khz_for_about_its_length(engine, voice_files):
    voice = engine.load_voice("yourtts", voice_files)
    audio = engine.synthesize(SENTENCE, voice, "en", VoiceSettings())
    assert audio.sample_rate == 24000
    _speech_like(audio.samples)
    # Random durations still follow the text: VITS predicts a duration per (blank-padded) character.
    assert 0.5 < audio.duration_s < 20


def test_speed_shortens_the_audio(engine, voice_files):
    voice = engine.load_voice("yourtts", voice_files)
    normal = engine.synthesize(SENTENCE, voice, "en", VoiceSettings(stability=1.0))
    fast = engine.synthesize(SENTENCE, voice, "en", VoiceSettings(stability=1.0, speed=2.0))
    assert fast.duration_s < 0.8 * normal.duration_s


def test_stream_yields_one_piece_per_sentence(engine, voice_files):
    voice = engine.load_voice("yourtts", voice_files)
    text = " ".join(["This sentence is long enough to fill a good part of one chunk of text here."] * 4)
    pieces = list(engine.stream(text, voice, "en", VoiceSettings()))
    assert len(pieces) == 2  # 4 x 77 characters packed into chunks of at most 200
    for piece in pieces:
        _speech_like(piece)


def test_french_is_spoken_and_an_unknown_language_is_a_clear_error(engine, voice_files):
    voice = engine.load_voice("yourtts", voice_files)
    assert engine.synthesize("Bonjour, comment allez-vous?", voice, "fr", VoiceSettings()).duration_s > 0.2
    with pytest.raises(BadInput, match="Language 'cs' is not supported by YourTTS"):
        engine.synthesize("Dobrý den", voice, "cs", VoiceSettings())


def test_unload_frees_the_model_and_the_next_use_reloads(tmp_path):
    engine = YourTtsEngine(tiny_yourtts_dir(), device="cpu")
    engine.load()
    assert engine.is_loaded and engine.memory_bytes() > 1_000_000
    model = weakref.ref(engine.model)
    engine.unload()
    gc.collect()
    assert not engine.is_loaded and engine.memory_bytes() == 0 and model() is None
    assert engine.capabilities("yourtts").sample_rate == 24000  # needs no model
    assert engine.model is not None and engine.is_loaded
    engine.unload()


def test_missing_weights_name_the_fetch_command(tmp_path):
    with pytest.raises(ModelUnavailable, match="voiceclone models fetch yourtts"):
        YourTtsEngine(tmp_path, device="cpu").load()
