"""ElevenLabs, locally: instant voice cloning, text to speech, voice deletion, models and user, checked
against specs/elevenlabs-tts.json (the request shapes of the official SDK)."""

from __future__ import annotations

import email.parser
import email.policy
import io
import json
import re
import uuid

import soundfile as sf

from tests.support.fakes.audio import malformed_audio, speech_bytes
from tests.support.fakes.server import Answer, FakeProvider, OpenApiSpec, Request, SpecViolation

SPEC = OpenApiSpec("elevenlabs-tts.json")
PREMADE_VOICES = {"21m00Tcm4TlvDq8ikWAM": "Rachel"}
MODELS = ("eleven_multilingual_v2", "eleven_flash_v2_5", "eleven_turbo_v2_5")
_TTS = re.compile(r"^/v1/text-to-speech/(?P<voice_id>[^/]+)$")
_VOICE = re.compile(r"^/v1/voices/(?P<voice_id>[^/]+)$")
_QUERY = {"enable_logging": ("true", "false"), "optimize_streaming_latency": ("0", "1", "2", "3", "4")}


def output_codec(output_format: str) -> tuple[str, int]:
    """mp3_44100_128 -> ("mp3", 44100); wav_16000 -> ("wav", 16000); ulaw_8000 -> ("ulaw", 8000)."""
    codec, rate = output_format.split("_")[:2]
    return codec, int(rate)


class FakeElevenLabs(FakeProvider):
    name = "elevenlabs"
    violation_status = 422  # ElevenLabs (FastAPI) answers validation errors with 422

    def __init__(self, api_key: str):
        super().__init__(api_key)
        self.voices: dict[str, dict] = {}  # voice_id -> {"name", "files": [(filename, bytes)], ...}

    @property
    def base_url(self) -> str:
        return self.url

    def check_auth(self, request: Request) -> bool:
        return request.headers.get("xi-api-key") == self.api_key  # securitySchemes.ApiKeyAuth

    def error(self, status: int, message: str) -> Answer:
        if status == 422:
            value = {"detail": [{"loc": ["body"], "msg": message, "type": "value_error"}]}
            SPEC.check(value, "HTTPValidationError")
            return Answer.json(422, value)
        statuses = {401: "invalid_api_key", 404: "voice_not_found", 429: "too_many_concurrent_requests"}
        return Answer.json(status, {"detail": {"status": statuses.get(status, "internal_error"), "message": message}})

    def route(self, request: Request) -> Answer:
        if request.method == "POST" and (match := _TTS.match(request.path)):
            return self._speech(request, match["voice_id"])
        if request.method == "POST" and request.path == "/v1/voices/add":
            return self._add_voice(request)
        if request.method == "DELETE" and (match := _VOICE.match(request.path)):
            if self.voices.pop(match["voice_id"], None) is None:
                return self.error(404, f"A voice with the voice_id {match['voice_id']} was not found.")
            value = {"status": "ok"}
            SPEC.check(value, "DeleteVoiceResponseModel")
            return Answer.json(200, value)
        if request.method == "GET" and request.path == "/v1/models":
            models = [{"model_id": model, "name": model, "can_do_text_to_speech": True} for model in MODELS]
            for model in models:
                SPEC.check(model, "Model")
            return Answer.json(200, models)
        if request.method == "GET" and request.path == "/v1/user":
            return Answer.json(200, {"user_id": "fake", "subscription": {"tier": "creator", "character_count": 0}})
        raise SpecViolation(f"no such operation in the spec: {request.method} {request.path}")

    def _speech(self, request: Request, voice_id: str) -> Answer:
        output_format = self._query(request)
        if request.headers.get("content-type", "").split(";")[0] != "application/json":
            raise SpecViolation("requestBody content is application/json")
        try:
            body = json.loads(request.body)
        except ValueError as error:
            raise SpecViolation(f"body is not JSON: {error}") from None
        SPEC.check(body, "BodyTextToSpeech")
        if voice_id not in self.voices and voice_id not in PREMADE_VOICES:
            return self.error(404, f"A voice with the voice_id {voice_id} was not found.")
        codec, rate = output_codec(output_format)
        content_type = {"mp3": "audio/mpeg", "opus": "audio/ogg", "wav": "audio/wav"}.get(codec, "audio/basic")
        return Answer(200, speech_bytes(codec, rate), {"Content-Type": content_type, "request-id": uuid.uuid4().hex})

    def _query(self, request: Request) -> str:
        for name, values in request.query.items():
            if name == "output_format":
                continue
            if name not in _QUERY or len(values) != 1 or values[0] not in _QUERY[name]:
                raise SpecViolation(f"query parameter {name}={values} is not in the spec")
        formats = request.query.get("output_format", ["mp3_44100_128"])  # the API's default
        if len(formats) != 1:
            raise SpecViolation("output_format given more than once")
        SPEC.check(formats[0], "OutputFormat")
        return formats[0]

    def _add_voice(self, request: Request) -> Answer:
        fields, files = parse_multipart(request)
        document = {**fields, "files": [filename for filename, _ in files]}
        SPEC.check(document, "BodyAddVoice")
        if "labels" in fields:
            labels = json.loads(fields["labels"])
            if not isinstance(labels, dict) or not all(isinstance(value, str) for value in labels.values()):
                raise SpecViolation("labels must be a JSON object of strings")
        for filename, data in files:
            try:
                sf.info(io.BytesIO(data))
            except sf.SoundFileError:
                return self.error(400, f"{filename} is not an audio file")
        voice_id = uuid.uuid4().hex[:20]
        self.voices[voice_id] = {"name": fields["name"], "files": files, **fields}
        value = {"voice_id": voice_id, "requires_verification": False}
        SPEC.check(value, "AddVoiceIVCResponseModel")
        return Answer.json(200, value)

    def malformed(self, request: Request) -> Answer:
        codec, _ = output_codec(request.query.get("output_format", ["mp3_44100_128"])[0])
        return Answer(200, malformed_audio(codec), {"Content-Type": "audio/mpeg"})


def parse_multipart(request: Request) -> tuple[dict[str, str], list[tuple[str, bytes]]]:
    """Text fields and (filename, bytes) of every `files` part; SpecViolation on anything else."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data") or "boundary=" not in content_type:
        raise SpecViolation("requestBody content is multipart/form-data (with a boundary)")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + request.body
    )
    if not message.is_multipart():
        raise SpecViolation("the multipart body does not parse")
    fields: dict[str, str] = {}
    files: list[tuple[str, bytes]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        payload = part.get_payload(decode=True) or b""
        if name == "files" and filename:
            files.append((filename, payload))
        elif name and not filename:
            if name in fields:
                raise SpecViolation(f"form field {name} given twice")
            fields[str(name)] = payload.decode("utf-8")
        else:
            raise SpecViolation(f"unexpected multipart part {name!r} (filename {filename!r})")
    return fields, files
