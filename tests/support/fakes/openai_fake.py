"""OpenAI's speech API, locally: `POST /v1/audio/speech` and `GET /v1/models`, checked against
specs/openai-speech.json (an excerpt of OpenAI's OpenAPI document)."""

from __future__ import annotations

import json

from tests.support.fakes.audio import malformed_audio, speech_bytes
from tests.support.fakes.server import Answer, FakeProvider, OpenApiSpec, Request, SpecViolation

SPEC = OpenApiSpec("openai-speech.json")
PREFIX = "/v1"  # the spec's server URL is https://api.openai.com/v1
PCM_RATE = 24000
CONTENT_TYPES = {"mp3": "audio/mpeg", "opus": "audio/ogg", "flac": "audio/flac", "wav": "audio/wav", "pcm": "audio/pcm"}
MODELS = ("tts-1", "tts-1-hd", "gpt-4o-mini-tts")


class FakeOpenAi(FakeProvider):
    name = "openai"

    @property
    def base_url(self) -> str:
        return self.url + PREFIX

    def check_auth(self, request: Request) -> bool:
        # securitySchemes.ApiKeyAuth: HTTP bearer
        return request.headers.get("authorization") == f"Bearer {self.api_key}"

    def error(self, status: int, message: str) -> Answer:
        kinds = {401: "invalid_request_error", 429: "rate_limit_error", 400: "invalid_request_error"}
        value = {"error": {"message": message, "type": kinds.get(status, "server_error"), "param": None,
                           "code": "invalid_api_key" if status == 401 else None}}
        SPEC.check(value, "ErrorResponse")
        return Answer.json(status, value)

    def route(self, request: Request) -> Answer:
        if request.method == "POST" and request.path == f"{PREFIX}/audio/speech":
            return self._speech(request)
        if request.method == "GET" and request.path == f"{PREFIX}/models":
            listing = {"object": "list", "data": [
                {"id": model, "object": "model", "created": 1699053241, "owned_by": "system"} for model in MODELS
            ]}
            SPEC.check(listing, "ListModelsResponse")
            return Answer.json(200, listing)
        raise SpecViolation(f"no such operation in the spec: {request.method} {request.path}")

    def _speech(self, request: Request) -> Answer:
        if request.headers.get("content-type", "").split(";")[0] != "application/json":
            raise SpecViolation("requestBody content is application/json")
        try:
            body = json.loads(request.body)
        except ValueError as error:
            raise SpecViolation(f"body is not JSON: {error}") from None
        SPEC.check(body, "CreateSpeechRequest")
        # the schema's prose: instructions "does not work with tts-1 or tts-1-hd"; sse not for them either
        if "instructions" in body and body["model"] in ("tts-1", "tts-1-hd"):
            raise SpecViolation(f"instructions are not supported by {body['model']}")
        if body.get("stream_format") == "sse":
            raise SpecViolation("the fake answers stream_format=audio only")
        codec = body.get("response_format", "mp3")
        if codec == "aac":
            return self.error(400, "this fake cannot encode aac (soundfile has no AAC encoder)")
        return Answer(200, speech_bytes(codec, PCM_RATE), {"Content-Type": CONTENT_TYPES[codec],
                                                            "x-request-id": f"req_{len(self.requests)}"})

    def malformed(self, request: Request) -> Answer:
        codec = json.loads(request.body).get("response_format", "mp3")
        return Answer(200, malformed_audio(codec), {"Content-Type": CONTENT_TYPES.get(codec, "audio/mpeg")})
