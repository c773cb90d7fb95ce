"""OpenAI-compatible speech: `POST /v1/audio/speech` and `GET /v1/models` (docs/realtime.md, "OpenAI").

Faithful to OpenAI's `CreateSpeechRequest`: `model`, `input` (at most 4096 characters), `voice`,
`response_format` (mp3, opus, aac, flac, wav, pcm), `speed` (the platform speaks 0.5-2.0 of OpenAI's
0.25-4.0), `instructions` (no engine served here takes them: accepted and ignored, said in the
`X-Voiceclone-Instructions` header), `stream_format` `audio` (`sse` is refused). The audio is the
body, sent chunked as it is made. Errors have OpenAI's shape, `{"error": {"message", "type", "param",
"code"}}`, with the statuses the official client maps to its exceptions (400, 401, 403, 404, 409, 429,
503 with Retry-After).

`voice`: a platform voice id, or one of OpenAI's preset names, which speaks the caller's own ready
voice of that name (case-insensitive) if there is one, else the caller's newest ready voice.
`model`: a model type served here (the voice must be of it) or an alias (`tts-1`, `tts-1-hd`,
`gpt-4o-mini-tts`, `gpt-4o-mini-tts-2025-12-15`: whatever engine the voice has).
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import AsyncIterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from voiceclone.auth import AuthError
from voiceclone.domain.errors import DomainError, LimitExceeded, NotFound, QuotaExceeded
from voiceclone.domain.jobs import JobStatus
from voiceclone.domain.text import speakable_text
from voiceclone.domain.tts import StreamFormat, VoiceSettings
from voiceclone.domain.voices import VoiceStatus
from voiceclone.principal import Principal
from voiceclone.realtime.context import RealtimeContext
from voiceclone.realtime.errors import ServiceBusy
from voiceclone.realtime.producer import AudioChunk, SpeechProducer, StreamEnd, SynthesisFailed
from voiceclone.realtime.session import PreparedStream, StreamRequest, prepare_stream
from voiceclone.realtime.text_buffer import TextBuffer

MAX_INPUT_CHARACTERS = 4096  # OpenAI's limit
MODEL_ALIASES = ("tts-1", "tts-1-hd", "gpt-4o-mini-tts", "gpt-4o-mini-tts-2025-12-15")
# The built-in voices CreateSpeechRequest names (its description; fable, onyx and nova are tts-1's).
OPENAI_VOICES = ("alloy", "ash", "ballad", "cedar", "coral", "echo", "fable", "marin", "nova", "onyx", "sage",
                 "shimmer", "verse")
MIN_SPEED, MAX_SPEED = 0.5, 2.0  # VoiceSettings.speed; OpenAI takes 0.25-4.0
MODELS_CREATED = 1764633600  # 2025-12-02: the `created` of every listed model (a fixed date, not "now")


class SpeechRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1)
    input: str = Field(min_length=1, max_length=MAX_INPUT_CHARACTERS)
    voice: str | dict[str, Any] = Field(min_length=1)
    instructions: str | None = Field(default=None, max_length=4096)
    response_format: Literal["mp3", "opus", "aac", "flac", "wav", "pcm"] = "mp3"
    speed: float = Field(default=1.0, ge=0.25, le=4.0)
    stream_format: Literal["audio", "sse"] = "audio"


class OpenAIError(Exception):
    def __init__(self, status: int, message: str, type_: str, param: str | None = None, code: str | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.type, self.param, self.code = status, message, type_, param, code
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        body = {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}
        return JSONResponse(body, status_code=self.status, headers=self.headers)


def openai_error(error: Exception, context: RealtimeContext, param: str | None = None) -> OpenAIError:
    """A platform refusal in OpenAI's terms (unknown errors propagate: a bug is a 500)."""
    if isinstance(error, OpenAIError):
        return error
    if isinstance(error, AuthError):
        return OpenAIError(401, error.message, "invalid_request_error", None, error.code)
    if isinstance(error, QuotaExceeded):
        quota = error.limit == "monthly_characters"
        return OpenAIError(429, error.message, "insufficient_quota" if quota else "rate_limit_exceeded", None,
                           "insufficient_quota" if quota else "rate_limit_exceeded")
    if isinstance(error, LimitExceeded):  # max_text_length: the input is too long for the plan
        return OpenAIError(400, error.message, "invalid_request_error", "input", "string_above_max_length")
    if isinstance(error, ServiceBusy):
        return OpenAIError(503, error.message, "server_error", None, error.code,
                           {"Retry-After": str(context.limits.retry_after_s)})
    if isinstance(error, NotFound):
        return OpenAIError(404, error.message, "invalid_request_error", param or "voice", "voice_not_found")
    if isinstance(error, DomainError):
        status = error.status_code if error.status_code in (403, 409) else 400
        return OpenAIError(status, error.message, "invalid_request_error", param, error.code)
    from voiceclone.engines.base import BadInput

    if isinstance(error, BadInput):
        return OpenAIError(400, str(error), "invalid_request_error", "input", "invalid_value")
    raise error


def _validation_error(error: ValidationError) -> OpenAIError:
    first = error.errors()[0]
    param = ".".join(str(part) for part in first["loc"]) or None
    return OpenAIError(400, f"{param}: {first['msg']}" if param else first["msg"], "invalid_request_error", param,
                       "invalid_value" if first["type"] != "extra_forbidden" else "unknown_parameter")


def served_models(context: RealtimeContext) -> list[str]:
    return [*context.backend.served(), *MODEL_ALIASES]


def models_endpoint(context: RealtimeContext):
    async def endpoint(request: Request) -> Response:
        try:
            await asyncio.to_thread(context.authenticator.authenticate, dict(request.headers))
        except AuthError as error:
            return openai_error(error, context).response()
        data = [{"id": model, "object": "model", "created": MODELS_CREATED, "owned_by": "voiceclone"}
                for model in served_models(context)]
        return JSONResponse({"object": "list", "data": data})

    return endpoint


def speech_endpoint(context: RealtimeContext):
    async def endpoint(request: Request) -> Response:
        try:
            principal = await asyncio.to_thread(context.speaker_principal, dict(request.headers))
            speech = await _speech_request(request)
            prepared, text = await asyncio.to_thread(_prepare, context, principal, speech)
        except Exception as error:  # noqa: BLE001 - openai_error re-raises what is not a client's refusal
            return openai_error(error, context).response()
        headers = {"X-Voiceclone-Job-Id": prepared.meter.job_id}
        if speech.instructions:
            headers["X-Voiceclone-Instructions"] = "ignored: no engine served here takes instructions"
        body = _audio(prepared, text)
        # A client gone before the body starts never runs its `finally`: the record and slot are settled then.
        weakref.finalize(body, _settle_unstarted, prepared)
        return StreamingResponse(body, media_type=prepared.content_type, headers=headers)

    return endpoint


async def _speech_request(request: Request) -> SpeechRequest:
    try:
        body = await request.json()
    except ValueError:
        raise OpenAIError(400, "the request body is not valid JSON", "invalid_request_error", None, "invalid_json") from None
    try:
        speech = SpeechRequest.model_validate(body)
    except ValidationError as error:
        raise _validation_error(error) from None
    if speech.stream_format == "sse":
        raise OpenAIError(400, "stream_format 'sse' is not supported here: use 'audio' (the audio is streamed as the body)",
                          "invalid_request_error", "stream_format", "unsupported_value")
    if not MIN_SPEED <= speech.speed <= MAX_SPEED:
        raise OpenAIError(400, f"speed {speech.speed:g} is outside what the platform's engines speak ({MIN_SPEED}-{MAX_SPEED})",
                          "invalid_request_error", "speed", "invalid_value")
    return speech


def _prepare(context: RealtimeContext, principal: Principal, speech: SpeechRequest) -> tuple[PreparedStream, str]:
    try:
        text = speakable_text(speech.input)
    except ValueError as error:
        raise OpenAIError(400, str(error), "invalid_request_error", "input", "invalid_value") from None
    voice_id = _voice_id(context, principal.user_id, speech.voice)
    _record, spec = context.backend.check_voice(context.store, principal.user_id, voice_id)
    if speech.model not in MODEL_ALIASES and speech.model != str(spec.model_type):
        known = ", ".join(served_models(context))
        raise OpenAIError(400, f"model '{speech.model}' does not speak voice '{voice_id}' (its model is {spec.model_type}); "
                          f"models: {known}", "invalid_request_error", "model", "model_not_found")
    if len(text) > spec.max_characters_per_request:
        raise OpenAIError(400, f"{spec.model_type} takes at most {spec.max_characters_per_request} characters",
                          "invalid_request_error", "input", "string_above_max_length")
    request = StreamRequest(voice_id, None, VoiceSettings(speed=float(speech.speed)), StreamFormat(speech.response_format))
    prepared = prepare_stream(context, principal, request)
    try:
        prepared.meter.reserve(len(text))  # the whole input, as a job is charged
    except Exception as error:
        prepared.release(JobStatus.FAILED, str(error))
        raise
    return prepared, text


def _voice_id(context: RealtimeContext, user_id: str, voice: str | dict[str, Any]) -> str:
    """A platform voice id as it is; an OpenAI preset name -> the caller's voice of that name, or newest."""
    if isinstance(voice, dict):  # OpenAI's custom voice object: {"id": "voice_..."}
        voice = str(voice.get("id") or "")
    if voice.lower() not in OPENAI_VOICES:
        return voice
    served = set(context.backend.served())
    own = [v for v in context.store.voices.list_available(user_id)
           if v.user_id == user_id and v.status == VoiceStatus.READY and str(v.model_type) in served]
    if not own:
        raise NotFound("voice", f"{voice} (a preset name speaks your own ready voice; you have none)")
    named = [v for v in own if v.name.lower() == voice.lower()]
    return max(named or own, key=lambda v: v.created_at).voice_id


async def _audio(prepared: PreparedStream, text: str) -> AsyncIterator[bytes]:
    """The body: encoded audio as each piece is made; a client that leaves stops the synthesis."""
    prepared.started.set()
    buffer = TextBuffer(prepared.context.limits.segment_characters)
    producer = SpeechProducer(
        prepared.speaker, prepared.language, prepared.meter.voice_settings, prepared.encoder, asyncio.get_running_loop(),
        prepared.context.limits.queue_pieces, lambda segment: prepared.meter.mark_spoken(segment.text),
    ).start()
    for segment in [*buffer.add(text), *buffer.flush()]:
        producer.submit(segment)
    producer.end_input()
    status, message = JobStatus.CANCELLED, None
    try:
        while True:
            item = await producer.next()
            if isinstance(item, AudioChunk) and item.data:
                yield item.data
            elif isinstance(item, SynthesisFailed):  # the status line is sent: the body just ends short
                status, message = JobStatus.FAILED, str(item.error)
                return
            elif isinstance(item, StreamEnd):
                if item.tail:
                    yield item.tail
                status = JobStatus.COMPLETED
                return
    finally:
        producer.stop()
        _settle(producer, prepared, status, message)


def _settle(producer: SpeechProducer, prepared: PreparedStream, status: JobStatus, message: str | None) -> None:
    # Off the event loop and without awaiting: this runs while the response's task may be cancelled.
    def settle() -> None:
        producer.join(timeout_s=60)
        prepared.release(status, message, producer)

    threading.Thread(target=settle, name="realtime-settle", daemon=True).start()


def _settle_unstarted(prepared: PreparedStream) -> None:
    if prepared.started.is_set():  # the body's own `finally` settles it
        return
    threading.Thread(target=prepared.release, args=(JobStatus.CANCELLED, "the client left before the audio started"),
                     name="realtime-settle", daemon=True).start()

