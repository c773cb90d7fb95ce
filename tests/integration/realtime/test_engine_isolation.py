"""A stream generates through a private view of the XTTS GPT: the shared GPT's per-generation state is never written."""

from __future__ import annotations

from voiceclone.domain.training import ModelType
from voiceclone.domain.tts import VoiceSettings
from voiceclone.realtime.engine_isolation import private_voice


def test_a_stream_never_writes_the_shared_gpts_generation_state(registry, instant_voice_files):
    model_type = ModelType.XTTS_V2_INSTANT
    engine = registry.engine_for(model_type)
    voice = engine.load_voice(model_type, instant_voice_files)
    shared = engine.model.gpt
    sentinel = object()
    shared.gpt_inference.cached_prefix_emb = sentinel  # what a job running beside the stream stored

    mine = private_voice(engine, voice)
    pieces = list(engine.stream("A stream of its own.", mine, "en", VoiceSettings()))

    assert pieces and sum(len(p) for p in pieces) > 0
    assert shared.gpt_inference.cached_prefix_emb is sentinel  # the worker's generation was not disturbed
    assert mine.gpt.gpt_inference.cached_prefix_emb is not sentinel  # the stream's prefix lived in its view
    # A view, not a copy: the same weights.
    assert mine.gpt.gpt_inference.transformer is shared.gpt_inference.transformer
    assert next(mine.gpt.parameters()) is next(shared.parameters())
    assert voice.gpt is None  # the cached voice itself is untouched (instant voices speak the base GPT)
