"""`/v1/text-to-speech/stream`: one WebSocket session (docs/realtime.md for the protocol).

Refusals before any audio (credentials, start frame, voice, language, format, quota, capacity) are an
`error` frame and a close code mirroring the HTTP status (4401, 4403, 4404, 4409, 4422, 4429, 4503).
While audio flows three tasks run: the receiver (text frames -> segments -> reserved -> synthesis),
the sender (the synthesis thread's queue -> frames) and a watchdog (credentials, the session's record,
idleness). The first to end ends the session; the synthesis thread is stopped at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from typing import Any

from pydantic import ValidationError
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from voiceclone.domain.errors import InvalidInput
from voiceclone.domain.jobs import JobStatus
from voiceclone.realtime import protocol
from voiceclone.realtime.context import RealtimeContext
from voiceclone.realtime.errors import CLOSE_INTERNAL, CLOSE_NORMAL, SessionEnded, SessionTimeout, refusal_of
from voiceclone.realtime.producer import AudioChunk, SegmentDone, SpeechProducer, StreamEnd, SynthesisFailed
from voiceclone.realtime.session import PreparedStream, StreamRequest, prepare_stream
from voiceclone.realtime.text_buffer import Segment, TextBuffer

logger = logging.getLogger(__name__)


class ClientGone(Exception):
    """The client closed the socket (or it broke)."""


class StreamSession:
    def __init__(self, context: RealtimeContext, websocket: WebSocket):
        self.context, self.ws = context, websocket
        self.prepared: PreparedStream | None = None
        self.producer: SpeechProducer | None = None
        self.last_activity = time.monotonic()
        self.input_ended = False
        self.closing = False  # the server is closing after `done`

    async def run(self) -> None:
        await self.ws.accept()
        status, message = JobStatus.CANCELLED, None
        try:
            await self._open()
            await self._stream()
            status = JobStatus.COMPLETED
        except (ClientGone, WebSocketDisconnect):
            status = JobStatus.CANCELLED
        except Exception as error:  # noqa: BLE001 - every failure ends the session with an error frame
            status, message = JobStatus.FAILED, str(error)
            await self._refuse(error)
        finally:
            self._end(status, message)

    # --- before any audio ---------------------------------------------------------------------

    async def _open(self) -> None:
        headers = dict(self.ws.headers)
        principal = await asyncio.to_thread(self.context.speaker_principal, headers)
        start = await self._start_frame()
        request = StreamRequest(start.voice_model_id, start.language, start.voice_settings, start.output_format, start.sample_rate)
        self.prepared = await asyncio.to_thread(prepare_stream, self.context, principal, request)
        prepared = self.prepared
        await asyncio.to_thread(prepared.meter.reserve_ahead, prepared.limits.max_text_length)
        self.producer = SpeechProducer(
            prepared.speaker, prepared.language, start.voice_settings, prepared.encoder, asyncio.get_running_loop(),
            self.context.limits.queue_pieces, self._spoken,
        ).start()
        await self.ws.send_json(protocol.ready(
            prepared.meter.job_id, prepared.speaker.voice_id, str(prepared.speaker.spec.model_type), prepared.language,
            str(start.output_format), prepared.content_type, prepared.sample_rate,
        ))

    async def _start_frame(self) -> protocol.StartFrame:
        try:
            frame = await asyncio.wait_for(self._frame(), self.context.limits.start_timeout_s)
        except TimeoutError:
            raise SessionTimeout(f"no start frame within {self.context.limits.start_timeout_s:g} s") from None
        if not isinstance(frame, protocol.StartFrame):
            raise InvalidInput(f"the first frame must be 'start', not '{frame.type}'")
        return frame

    async def _frame(self) -> Any:
        message = await self.ws.receive()
        if message["type"] == "websocket.disconnect":
            raise ClientGone()
        if message.get("text") is None:
            raise InvalidInput("binary frames are not accepted: send JSON text frames")
        try:
            return protocol.CLIENT_FRAMES.validate_python(json.loads(message["text"]))
        except (ValueError, ValidationError) as error:
            raise InvalidInput(f"not a valid frame: {_brief(error)}") from None

    # --- while audio flows --------------------------------------------------------------------

    async def _stream(self) -> None:
        tasks = {asyncio.create_task(coro) for coro in (self._receive(), self._send(), self._watch())}
        sender = next(t for t in tasks if t.get_coro().__name__ == "_send")  # type: ignore[union-attr]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            if sender in done and sender.exception() is None:
                return  # the stream ended normally (the receiver may have seen the close it caused)
            for task in done:
                if (error := task.exception()) is not None:
                    raise error
            await sender  # the receiver ended without an error: wait for the audio
        finally:
            for task in tasks:
                task.cancel()

    async def _receive(self) -> None:
        assert self.prepared is not None and self.producer is not None
        buffer = TextBuffer(self.context.limits.segment_characters)
        while True:
            try:
                frame = await self._frame()
            except ClientGone:
                if self.closing:  # the close the sender made after `done`
                    return
                raise
            self.last_activity = time.monotonic()
            if isinstance(frame, protocol.StartFrame):
                raise InvalidInput("the session has started already: 'start' is sent once")
            if self.input_ended:
                raise InvalidInput("the input has ended: nothing may follow 'end'")
            if isinstance(frame, protocol.TextFrame):
                await self._speak(buffer.add(frame.text))
            else:
                await self._speak(buffer.flush())
                if isinstance(frame, protocol.EndFrame):
                    self.input_ended = True
                    self.producer.end_input()

    async def _speak(self, segments: list[Segment]) -> None:
        assert self.prepared is not None and self.producer is not None
        meter, block = self.prepared.meter, self.prepared.limits.max_text_length
        for segment in segments:
            if meter.covers(segment.characters):  # in memory: no thread hop on the way to the first audio
                meter.reserve(segment.characters, block)
            else:
                await asyncio.to_thread(meter.reserve, segment.characters, block)
            self.producer.submit(segment)

    async def _send(self) -> None:
        assert self.producer is not None
        while True:
            item = await self.producer.next()
            if isinstance(item, AudioChunk):
                span = (item.segment.start, item.segment.end)
                await self._send_audio(protocol.audio(item.seq, item.segment.index, span, item.start_s, item.end_s, len(item.data)), item.data)
            elif isinstance(item, SegmentDone):
                await self._send_json(protocol.segment(item.segment.index, item.segment.text, (item.segment.start, item.segment.end), item.start_s, item.end_s))
            elif isinstance(item, SynthesisFailed):
                raise item.error
            elif isinstance(item, StreamEnd):
                end_s = round(self.producer.audio_seconds, 4)
                if item.tail:
                    await self._send_audio(protocol.audio(-1, None, None, end_s, end_s, len(item.tail)), item.tail)
                meter = self.prepared.meter if self.prepared else None
                assert meter is not None
                await self._send_json(protocol.done(meter.job_id, meter.spoken, end_s))
                self.closing = True
                await self.ws.close(CLOSE_NORMAL)
                return

    async def _watch(self) -> None:
        """Credentials and the session's record re-checked every few seconds; an idle session closed."""
        assert self.prepared is not None
        limits = self.context.limits
        headers = dict(self.ws.headers)
        while True:
            await asyncio.sleep(limits.reauth_interval_s)
            await asyncio.to_thread(self.context.speaker_principal, headers)  # a revoked key raises (4401)
            if not await asyncio.to_thread(self.prepared.meter.still_running):
                raise SessionEnded("the session's job was cancelled or ended through the API")
            speaking = self.producer is not None and self.producer.speaking
            if not self.input_ended and not speaking and time.monotonic() - self.last_activity > limits.idle_timeout_s:
                raise SessionTimeout(f"no text for {limits.idle_timeout_s:g} s")

    async def _send_audio(self, header: dict[str, Any], data: bytes) -> None:
        await self._send_json(header)
        if data:
            try:
                await self.ws.send_bytes(data)
            except (WebSocketDisconnect, RuntimeError, OSError) as error:
                raise ClientGone() from error

    async def _send_json(self, frame: dict[str, Any]) -> None:
        try:
            await self.ws.send_text(json.dumps(frame))
        except (WebSocketDisconnect, RuntimeError, OSError) as error:
            raise ClientGone() from error

    def _spoken(self, segment: Segment) -> None:
        if self.prepared is not None:
            self.prepared.meter.mark_spoken(segment.text)

    # --- the end ------------------------------------------------------------------------------

    async def _refuse(self, error: Exception) -> None:
        refusal = refusal_of(error)
        if refusal is None:
            logger.error("real-time session failed", exc_info=error)
            code, frame = CLOSE_INTERNAL, protocol.error(500, "internal_error", "the session failed; try again", CLOSE_INTERNAL)
        else:
            code, frame = refusal.close_code, protocol.error(refusal.status, refusal.code, refusal.message, refusal.close_code)
        if self.ws.application_state != WebSocketState.CONNECTED or self.ws.client_state != WebSocketState.CONNECTED:
            return
        try:
            await self.ws.send_text(json.dumps(frame))
            await self.ws.close(code, reason=frame["code"][:120])
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass

    def _end(self, status: JobStatus, message: str | None) -> None:
        """Stops synthesis now; the record, the refund and the slot are settled off the event loop."""
        producer, prepared = self.producer, self.prepared
        if producer is not None:
            producer.stop()
        if prepared is None:
            return

        def settle() -> None:
            if producer is not None:
                producer.join(timeout_s=60)
            prepared.release(status, message, producer)

        threading.Thread(target=settle, name="realtime-settle", daemon=True).start()


def _brief(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'frame'}: {e['msg']}" for e in error.errors())
    return str(error)


def stream_endpoint(context: RealtimeContext):
    async def endpoint(websocket: WebSocket) -> None:
        await StreamSession(context, websocket).run()

    return endpoint
