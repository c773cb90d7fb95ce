"""Everything checked and held before a stream's first audio, shared by the WebSocket and `/v1/audio/speech`.

In order: the voice (own or public, ready: else 404 / 409; a model type real-time serves), the
language (the engine's), the format and rate, the plan (text length 403, quota and `concurrent_jobs`
429), a synthesis slot of this worker (503), the job record, then the voice is loaded. Whatever was
taken is given back if a later step refuses.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from voiceclone.domain.errors import InvalidInput
from voiceclone.domain.jobs import JobStatus
from voiceclone.domain.tts import STREAM_CONTENT_TYPES, StreamFormat, VoiceSettings
from voiceclone.domain.users import PlanLimits
from voiceclone.principal import Principal
from voiceclone.realtime.backend import Speaker
from voiceclone.realtime.context import RealtimeContext
from voiceclone.realtime.encoders import StreamEncoder, stream_encoder
from voiceclone.realtime.metering import SessionMeter
from voiceclone.realtime.producer import SpeechProducer
from voiceclone.services import quotas

_RELEASING = threading.Lock()


@dataclass(frozen=True)
class StreamRequest:
    voice_model_id: str
    language: str | None
    voice_settings: VoiceSettings
    output_format: StreamFormat
    sample_rate: int | None = None


@dataclass
class PreparedStream:
    context: RealtimeContext
    speaker: Speaker
    language: str
    encoder: StreamEncoder
    content_type: str
    sample_rate: int
    limits: PlanLimits
    meter: SessionMeter

    started: threading.Event = field(default_factory=threading.Event)  # audio began to flow
    _released: threading.Event = field(default_factory=threading.Event)

    def release(self, status: JobStatus, message: str | None = None, producer: SpeechProducer | None = None) -> None:
        """Ends the record (refunding what was not spoken; a completed stream with its quality report,
        measured on what `producer` spoke) and frees the synthesis slot, once; blocking."""
        with _RELEASING:
            if self._released.is_set():
                return
            self._released.set()
        measured = status == JobStatus.COMPLETED and producer is not None
        if measured:  # the engine is free again: measuring needs only the CPU, not the synthesis slot
            self.context.backend.release_slot()
        try:
            self.meter.close(status, message, self._quality(producer) if measured and producer else None)
        finally:
            if not measured:
                self.context.backend.release_slot()

    def _quality(self, producer: SpeechProducer) -> dict | None:
        """The per-result report (SECS, DNSMOS, signal checks) of the stream's first minute, as for a job."""
        audio, text = producer.spoken_excerpt()
        if not len(audio):
            return None
        from voiceclone.quality.per_result import result_quality

        return result_quality(audio, self.speaker.sample_rate, text, self.speaker.reference, producer.synthesis_s)


def prepare_stream(context: RealtimeContext, principal: Principal, request: StreamRequest) -> PreparedStream:
    """Blocking (database, voice loading): run it off the event loop."""
    store, settings, backend = context.store, context.settings, context.backend
    user_id = principal.user_id
    record, spec = backend.check_voice(store, user_id, request.voice_model_id)
    language = (request.language or (record.languages[0] if record.languages else "en")).lower()
    if language not in spec.languages:
        raise InvalidInput(f"{spec.model_type} does not speak '{language}'; it speaks {', '.join(spec.languages)}")
    try:
        encoder = stream_encoder(request.output_format, spec.sample_rate, request.sample_rate)
    except ValueError as error:
        raise InvalidInput(str(error)) from None
    limits = quotas.limits_of(store, user_id, settings.default_plan)
    meter = SessionMeter(store, settings, user_id, limits, str(spec.model_type), record.voice_id, language,
                         str(request.output_format), request.voice_settings)
    backend.take_slot()
    try:
        meter.open()
    except Exception:
        backend.release_slot()
        raise
    try:
        speaker = backend.speaker(user_id, record, spec)
    except Exception as error:
        try:
            meter.close(JobStatus.FAILED, str(error))
        finally:
            backend.release_slot()
        raise
    rate = request.sample_rate or speaker.sample_rate
    return PreparedStream(context, speaker, language, encoder, STREAM_CONTENT_TYPES[request.output_format], rate, limits, meter)
