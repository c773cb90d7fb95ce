"""A consumer that does not read makes synthesis wait: the synthesis thread's queue is bounded (tiny XTTS v2)."""

from __future__ import annotations

import asyncio
import time

from tests.integration.realtime.conftest import RecordingEngine
from voiceclone.domain.registry import REGISTRY
from voiceclone.domain.training import ModelType
from voiceclone.domain.tts import StreamFormat, VoiceSettings
from voiceclone.realtime.backend import Speaker
from voiceclone.realtime.encoders import stream_encoder
from voiceclone.realtime.producer import AudioChunk, SpeechProducer
from voiceclone.realtime.text_buffer import TextBuffer

QUEUE = 2


def test_synthesis_waits_for_a_slow_consumer_and_stops_when_told(registry, instant_voice_files):
    model_type = ModelType.XTTS_V2_INSTANT
    engine = RecordingEngine(registry.engine_for(model_type))
    voice = engine.load_voice(model_type, instant_voice_files)
    speaker = Speaker("voice_test", REGISTRY[model_type], engine, voice, "en", 24000)  # type: ignore[arg-type]
    buffer = TextBuffer(400)
    segments = buffer.add(" ".join(f"Sentence {n} goes here." for n in range(8))) + buffer.flush()

    async def scenario() -> tuple[int, int, int]:
        producer = SpeechProducer(speaker, "en", VoiceSettings(), stream_encoder(StreamFormat.PCM, 24000),
                                  asyncio.get_running_loop(), QUEUE, lambda segment: None).start()
        for segment in segments:
            producer.submit(segment)
        producer.end_input()
        await asyncio.sleep(0)
        deadline = time.monotonic() + 60
        while engine.pieces < QUEUE + 1 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.sleep(3.0)  # nobody reads: synthesis must be waiting, not piling up audio
        stalled = engine.pieces
        read = 0
        for _ in range(3):  # reading frees room: synthesis goes on
            item = await producer.next()
            read += isinstance(item, AudioChunk)
        deadline = time.monotonic() + 60
        while engine.pieces <= stalled and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        resumed = engine.pieces
        producer.stop()
        await asyncio.to_thread(producer.join, 30)
        return stalled, resumed, read

    stalled, resumed, read = asyncio.run(scenario())
    # QUEUE items handed over, one more piece generated and waiting for room: nothing beyond that.
    assert stalled <= QUEUE + 1
    assert resumed > stalled and read >= 1
    assert engine.streams_closed == engine.streams_started  # stopped: the engine's generator was closed
