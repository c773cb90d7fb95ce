"""XttsEngine on the tiny random XTTS v2 (real coqui code, random weights) and real LibriVox speech."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tests.support.speech import english_utterances
from voiceclone.domain.tts import VoiceSettings
from voiceclone.engines.base import BadInput, FineTuneConfig, TrainingClip
from voiceclone.engines.sampling import sampling_parameters
from voiceclone.engines.xtts.engine import XttsEngine
from voiceclone.engines.xtts.synthesis import generate, synthesize_chunks
from voiceclone.engines.xtts.tiny import tiny_xtts_dir

MAX_NEW_TOKENS = 24


@pytest.fixture(scope="module")
def engine():
    return XttsEngine(tiny_xtts_dir(), device="cpu", max_new_tokens=MAX_NEW_TOKENS)


@pytest.fixture(scope="module")
def clips():
    return [TrainingClip(u.path, u.duration_s, "en", u.transcript) for u in english_utterances()]


@pytest.fixture(scope="module")
def instant_voice(engine, clips, tmp_path_factory):
    stages = []
    artifacts = engine.create_voice(
        "xtts_v2_instant", clips, FineTuneConfig(), lambda f, s: stages.append((f, s)), tmp_path_factory.mktemp("v")
    )
    assert stages[-1] == (1.0, "conditioning")
    return artifacts


def test_capabilities_describe_the_model(engine):
    caps = engine.capabilities("xtts_v2_instant")
    assert caps.instant_clone and not caps.fine_tune and caps.streaming
    assert caps.sample_rate == 24000 and "en" in caps.languages and "cs" in caps.languages


def test_instant_voice_artifact_is_kilobytes_and_loads(engine, instant_voice):
    (path,) = instant_voice.files.values()
    assert path.stat().st_size < 100_000
    voice = engine.load_voice("xtts_v2_instant", instant_voice.files)
    assert voice.gpt is None and voice.nbytes < 100_000  # the base model's GPT speaks it


def test_long_text_is_split_synthesised_and_joined_at_24_khz(engine, instant_voice):
    voice = engine.load_voice("xtts_v2_instant", instant_voice.files)
    text = "This is one sentence of a longer text. " * 8  # ~320 characters: two chunks in English
    audio = engine.synthesize(text, voice, "en", VoiceSettings())
    assert audio.sample_rate == 24000 and audio.samples.dtype == np.float32
    one_chunk_s = MAX_NEW_TOKENS * 1024 / 22050
    assert audio.duration_s == pytest.approx(2 * one_chunk_s - 0.02, abs=0.15)  # two chunks, one crossfade
    assert np.isfinite(audio.samples).all() and np.abs(audio.samples).max() > 0


def test_stream_yields_pieces_adding_up_to_the_same_length(engine, instant_voice):
    voice = engine.load_voice("xtts_v2_instant", instant_voice.files)
    pieces = list(engine.stream("Streaming speech arrives in pieces.", voice, "en", VoiceSettings()))
    assert len(pieces) >= 2 and all(p.dtype == np.float32 for p in pieces)
    streamed_s = sum(len(p) for p in pieces) / 24000
    assert streamed_s == pytest.approx(MAX_NEW_TOKENS * 1024 / 22050, abs=0.1)


def test_czech_is_spoken_and_an_unknown_language_is_a_clear_error(engine, instant_voice):
    voice = engine.load_voice("xtts_v2_instant", instant_voice.files)
    assert engine.synthesize("Dobrý den, jak se máte?", voice, "cs", VoiceSettings()).duration_s > 0.5
    with pytest.raises(BadInput, match="Language 'xx' is not supported"):
        engine.synthesize("Hello", voice, "xx", VoiceSettings())


def test_fine_tune_without_transcripts_and_without_asr_says_what_to_do(engine, clips, tmp_path):
    untranscribed = [TrainingClip(c.path, c.duration_s, "en", None) for c in clips[:2]]
    with pytest.raises(BadInput, match="no transcript.*VOICECLONE_ASR_MODEL"):
        engine.create_voice("xtts_v2", untranscribed, FineTuneConfig(epochs=1), lambda f, s: None, tmp_path)


def test_unknown_model_type_is_refused(engine, clips, tmp_path):
    with pytest.raises(BadInput, match="Unknown XTTS model type"):
        engine.create_voice("bark", clips, FineTuneConfig(), lambda f, s: None, tmp_path)


TEXTS = ["Hello there.", "A much longer sentence for the second item of this batch.", "A third one, medium."]


def test_one_batched_gpt_pass_gives_each_text_exactly_what_it_gets_alone(engine, instant_voice):
    voice = engine.load_voice("xtts_v2_instant", instant_voice.files)
    params = sampling_parameters(VoiceSettings())
    gpt = engine.model.gpt
    alone = [synthesize_chunks(engine.model, gpt, voice.latents, [t], "en", params, MAX_NEW_TOKENS, greedy=True)[0]
             for t in TEXTS]
    together = synthesize_chunks(engine.model, gpt, voice.latents, TEXTS, "en", params, MAX_NEW_TOKENS, greedy=True)
    for one, batched in zip(alone, together, strict=True):  # left padding is masked: same codes, same audio
        assert one.shape == batched.shape and np.abs(one).max() > 0
        np.testing.assert_allclose(batched, one, atol=1e-5)


def test_batched_codes_and_latents_match_coquis_generate_and_its_latent_pass(engine, instant_voice):
    voice = engine.load_voice("xtts_v2_instant", instant_voice.files)
    gpt, cond = engine.model.gpt, voice.latents.gpt_cond_latent
    texts = [torch.IntTensor(engine.model.tokenizer.encode(t.lower(), lang="en")).unsqueeze(0) for t in TEXTS]
    greedy = {"do_sample": False, "max_new_tokens": MAX_NEW_TOKENS, "repetition_penalty": 10.0, "length_penalty": 1.0}
    with torch.inference_mode():
        ours = generate(gpt, cond, texts, greedy)
        for text, one in zip(texts, ours, strict=True):
            coqui_codes = gpt.generate(cond_latents=cond, text_inputs=text, num_beams=1, **greedy)
            assert torch.equal(coqui_codes, one.codes)
            coqui_latents = gpt(text, torch.tensor([text.shape[-1]]), coqui_codes,
                                torch.tensor([coqui_codes.shape[-1] * gpt.code_stride_len]), cond_latents=cond,
                                return_attentions=False, return_latent=True)  # Xtts.inference's second pass
            assert one.latents.shape == coqui_latents.shape
            torch.testing.assert_close(one.latents, coqui_latents, atol=1e-5, rtol=1e-4)


def test_synthesize_many_speaks_every_text_including_multi_chunk_ones_in_order(engine, instant_voice):
    voice = engine.load_voice("xtts_v2_instant", instant_voice.files)
    long_text = "This is one sentence of a longer text. " * 8  # two chunks in English
    audios = engine.synthesize_many([TEXTS[0], long_text, TEXTS[2]], voice, "en", VoiceSettings())
    one_chunk_s = MAX_NEW_TOKENS * 1024 / 22050
    assert [round(a.duration_s / one_chunk_s) for a in audios] == [1, 2, 1]
    assert all(a.sample_rate == 24000 and np.isfinite(a.samples).all() for a in audios)
    with pytest.raises(BadInput, match="not supported"):
        engine.synthesize_many(TEXTS, voice, "tlh", VoiceSettings())


def test_a_batched_pass_writes_nothing_on_the_shared_gpt(engine, instant_voice):
    """Real-time streams generate on the same GPT at the same time: a pass must not leave its prefix or
    a latent-recording head on the shared inference module."""
    voice = engine.load_voice("xtts_v2_instant", instant_voice.files)
    inference = engine.model.gpt.gpt_inference
    sentinel, head = torch.zeros(1, 1, 1), inference.lm_head
    inference.store_prefix_emb(sentinel)
    synthesize_chunks(engine.model, engine.model.gpt, voice.latents, TEXTS[:2], "en",
                      sampling_parameters(VoiceSettings()), MAX_NEW_TOKENS)
    assert inference.cached_prefix_emb is sentinel and inference.lm_head is head
    assert [type(m).__name__ for m in head] == ["LayerNorm", "Linear"]
