"""The synthesis thread of one stream: segments in, encoded audio out through a bounded queue.

The engine's stream generator runs in its own thread; each piece is encoded there and handed to the
event loop only when the queue has room (`queue_size` items), so a slow client makes synthesis wait
instead of piling audio up in memory. `stop()` ends synthesis between two pieces at the latest: the
engine's generator is closed (GeneratorExit inside it), nothing more is generated.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from voiceclone.domain.tts import VoiceSettings
from voiceclone.realtime.backend import Speaker
from voiceclone.realtime.encoders import StreamEncoder
from voiceclone.realtime.text_buffer import Segment

logger = logging.getLogger(__name__)

_POLL_S = 0.05  # how often a waiting synthesis thread looks at the stop flag
EXCERPT_S = 60.0  # of a stream kept for its quality report (as for a job's result)


@dataclass(frozen=True)
class AudioChunk:
    seq: int
    segment: Segment
    start_s: float  # of this piece in the stream's audio
    end_s: float
    data: bytes
    made_at: float  # perf_counter when the engine yielded the piece


@dataclass(frozen=True)
class SegmentDone:
    segment: Segment
    start_s: float
    end_s: float


@dataclass(frozen=True)
class StreamEnd:
    tail: bytes  # the encoder's last bytes


@dataclass(frozen=True)
class SynthesisFailed:
    error: Exception


Item = AudioChunk | SegmentDone | StreamEnd | SynthesisFailed
_END_OF_INPUT = object()


class SpeechProducer:
    def __init__(
        self,
        speaker: Speaker,
        language: str,
        voice_settings: VoiceSettings,
        encoder: StreamEncoder,
        loop: asyncio.AbstractEventLoop,
        queue_size: int,
        on_spoken: Callable[[Segment], None],
    ):
        self.speaker, self.language, self.voice_settings, self.encoder = speaker, language, voice_settings, encoder
        self._loop = loop
        self._inbox: queue.Queue[object] = queue.Queue()
        self._outbox: asyncio.Queue[Item] = asyncio.Queue()
        self._room = threading.Semaphore(queue_size)
        self._stopping = threading.Event()
        self._on_spoken = on_spoken
        self._seq = 0
        self._audio_s = 0.0
        self._thread = threading.Thread(target=self._run, name="realtime-synthesis", daemon=True)
        self.pieces_generated = 0
        self._speaking = False
        self._excerpt: list[np.ndarray] = []  # the first EXCERPT_S of audio, as spoken
        self._excerpt_text: list[str] = []  # the segments said within it
        self.synthesis_s = 0.0  # time spent in the engine

    def spoken_excerpt(self) -> tuple[np.ndarray, str]:
        """The first EXCERPT_S seconds of what was streamed, and the text of the segments in it."""
        audio = np.concatenate(self._excerpt) if self._excerpt else np.zeros(0, dtype=np.float32)
        return audio, " ".join(self._excerpt_text)

    @property
    def audio_seconds(self) -> float:
        return self._audio_s

    @property
    def speaking(self) -> bool:
        """Something is being spoken or waits to be."""
        return self._speaking or not self._inbox.empty()

    def start(self) -> SpeechProducer:
        self._thread.start()
        return self

    def submit(self, segment: Segment) -> None:
        self._inbox.put(segment)

    def end_input(self) -> None:
        self._inbox.put(_END_OF_INPUT)

    def stop(self) -> None:
        self._stopping.set()

    def join(self, timeout_s: float) -> None:
        self._thread.join(timeout_s)

    async def next(self) -> Item:
        item = await self._outbox.get()
        self._room.release()
        return item

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    work = self._inbox.get(timeout=_POLL_S)
                except queue.Empty:
                    continue
                if work is _END_OF_INPUT:
                    self._emit(StreamEnd(self.encoder.finish()))
                    return
                assert isinstance(work, Segment)
                self._speaking = True
                try:
                    self._speak(work)
                finally:
                    self._speaking = False
        except Exception as error:  # reported to the client, then the stream ends
            logger.exception("real-time synthesis failed")
            self._emit(SynthesisFailed(error))

    def _speak(self, segment: Segment) -> None:
        rate = self.speaker.sample_rate
        started = self._audio_s
        pieces = self.speaker.engine.stream(segment.text, self.speaker.voice, self.language, self.voice_settings)
        spoken_from = time.perf_counter()
        try:
            for piece in pieces:
                made_at = time.perf_counter()
                self.pieces_generated += 1
                if self._stopping.is_set():
                    return
                samples = np.asarray(piece, dtype=np.float32).reshape(-1)
                self.synthesis_s += made_at - spoken_from
                if self._audio_s < EXCERPT_S:
                    self._excerpt.append(samples)
                start = self._audio_s
                self._audio_s += len(samples) / rate
                chunk = AudioChunk(self._seq, segment, round(start, 4), round(self._audio_s, 4), self.encoder.encode(samples), made_at)
                self._seq += 1
                if not self._emit(chunk):
                    return
                spoken_from = time.perf_counter()
        finally:
            pieces.close()  # type: ignore[attr-defined]  # a generator: closing it stops the engine
        if started < EXCERPT_S:
            self._excerpt_text.append(segment.text)
        self._on_spoken(segment)
        self._emit(SegmentDone(segment, round(started, 4), round(self._audio_s, 4)))

    def _emit(self, item: Item) -> bool:
        """Hands `item` to the event loop once the queue has room; False when stopped while waiting."""
        while not self._stopping.is_set():
            if self._room.acquire(timeout=_POLL_S):
                try:
                    self._loop.call_soon_threadsafe(self._outbox.put_nowait, item)
                except RuntimeError:  # the event loop is gone
                    return False
                return True
        return False
