"""BarkEngine on the tiny random Bark (coqui's Bark GPTs, transformers' EnCodec) with speaker prompts."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

from tests.support.speech import english_utterances
from voiceclone.domain.tts import VoiceSettings
from voiceclone.engines.bark import model as bark_model
from voiceclone.engines.bark.engine import BarkEngine
from voiceclone.engines.bark.tiny import tiny_bark_dir
from voiceclone.engines.base import BadInput, FineTuneConfig, ModelUnavailable, TrainingClip

CAP_S = 1.0  # seconds of semantic tokens per chunk: random weights rarely stop on their own


@pytest.fixture(scope="module")
def engine():
    engine = BarkEngine(tiny_bark_dir(), device="cpu", max_gen_duration_s=CAP_S)
    yield engine
    engine.unload()


def _speech_like(samples: np.ndarray) -> None:
    assert samples.dtype == np.float32 and np.isfinite(samples).all()
    assert np.sqrt(np.mean(samples**2)) > 1e-4  # not silent


def test_capabilities_say_presets_without_cloning(engine):
    caps = engine.capabilities("bark")
    assert not caps.instant_clone and not caps.fine_tune and caps.streaming
    assert caps.sample_rate == 24000 and {"en", "de", "zh"} <= set(caps.languages)


def test_preset_voices_are_the_speaker_prompts_in_the_folder(engine):
    assert engine.preset_voices() == ("v2/de_speaker_0", "v2/en_speaker_0", "v2/en_speaker_1")
    voice = engine.load_preset("v2/en_speaker_0")
    assert voice.semantic.ndim == 1 and voice.coarse.shape[0] == 2 and voice.fine.shape[0] == 8
    with pytest.raises(BadInput, match="no speaker prompt 'v2/xx_speaker_9'"):
        engine.load_preset("v2/xx_speaker_9")


def test_a_sentence_is_spoken_at_24_khz(engine):
    voice = engine.load_preset("v2/en_speaker_0")
    audio = engine.synthesize("Hello world, this is a test.", voice, "en", VoiceSettings())
    assert audio.sample_rate == 24000
    _speech_like(audio.samples)
    # One chunk: as long as the capped semantic tokens (49.9 Hz) say, unless the stop token came first.
    assert 0.1 < audio.duration_s <= CAP_S + 0.05


def test_stream_yields_each_sentence_chunk_and_artifacts_load_like_presets(engine):
    files = bark_model.prompt_files(engine.model_dir, "v2/de_speaker_0")
    voice = engine.load_voice("bark", files)
    text = "Guten Morgen, wie geht es dir heute? " * 6  # 222 characters: two chunks of at most 180
    pieces = list(engine.stream(text, voice, "de", VoiceSettings(stability=0.5)))
    assert len(pieces) == 2
    for piece in pieces:
        _speech_like(piece)


def test_cloning_is_refused_honestly(engine, tmp_path):
    clips = [TrainingClip(u.path, u.duration_s, "en", u.transcript) for u in english_utterances()[:1]]
    with pytest.raises(BadInput, match="Bark cannot make a voice from samples"):
        engine.create_voice("bark", clips, FineTuneConfig(), lambda f, s: None, tmp_path)


def test_unknown_language_is_a_clear_error(engine):
    with pytest.raises(BadInput, match="Language 'cs' is not supported by Bark"):
        engine.synthesize("Dobrý den", engine.load_preset("v2/en_speaker_0"), "cs", VoiceSettings())


def test_unload_frees_the_model():
    engine = BarkEngine(tiny_bark_dir(), device="cpu", max_gen_duration_s=CAP_S)
    engine.load()
    assert engine.is_loaded and engine.memory_bytes() > 1_000_000
    model = weakref.ref(engine.model)
    engine.unload()
    gc.collect()
    assert not engine.is_loaded and engine.memory_bytes() == 0 and model() is None


def test_missing_weights_name_the_fetch_command(tmp_path):
    with pytest.raises(ModelUnavailable, match="voiceclone models fetch bark"):
        BarkEngine(tmp_path, device="cpu").load()
