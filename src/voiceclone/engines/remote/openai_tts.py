"""OpenAI text to speech: `POST {base}/audio/speech`, probe `GET {base}/models` (Bearer key).

Request shape from OpenAI's OpenAPI document (CreateSpeechRequest; tests/support/fakes/specs/).
`base_url` may point at any OpenAI-compatible speech server.
"""

from __future__ import annotations

from voiceclone.domain.registry import ModelType
from voiceclone.engines.remote.endpoints import OPENAI_DEFAULT_BASE_URL
from voiceclone.engines.remote.http import HttpResponse, ProviderHttp, RetryPolicy
from voiceclone.engines.remote.provider_audio import ProviderAudio, RawEncoding

PROVIDER = ModelType.OPENAI.value
DEFAULT_MODEL = "gpt-4o-mini-tts"
DEFAULT_VOICE = "alloy"
MODELS = ("tts-1", "tts-1-hd", "gpt-4o-mini-tts", "gpt-4o-mini-tts-2025-12-15")
MODELS_WITHOUT_INSTRUCTIONS = frozenset({"tts-1", "tts-1-hd"})
VOICES = ("alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer", "verse",
          "marin", "cedar")
RESPONSE_FORMATS = ("mp3", "opus", "aac", "flac", "wav", "pcm")
DECODABLE_FORMATS = ("wav", "pcm", "flac", "mp3", "opus")  # aac needs a decoder soundfile lacks
PCM_SAMPLE_RATE = 24000  # `pcm` is 24 kHz 16-bit little-endian mono
SPEED_RANGE = (0.25, 4.0)
MAX_INPUT_CHARS = 4096


def error_message(response: HttpResponse) -> str:
    """OpenAI's ErrorResponse: {"error": {"message", "type", "param", "code"}}."""
    return str(response.json()["error"]["message"])


class OpenAiTts:
    provider = PROVIDER

    def __init__(self, api_key: str, base_url: str = OPENAI_DEFAULT_BASE_URL, timeout_s: float = 30.0,
                 retry: RetryPolicy | None = None):
        self.http = ProviderHttp(
            PROVIDER, base_url, {"Authorization": f"Bearer {api_key}"}, timeout_s,
            retry or RetryPolicy(), error_message,
        )

    def __repr__(self) -> str:
        return f"OpenAiTts({self.http.base_url!r})"

    def speech(
        self,
        text: str,
        voice: str = DEFAULT_VOICE,
        *,
        model: str = DEFAULT_MODEL,
        response_format: str = "wav",
        speed: float | None = None,
        instructions: str | None = None,
    ) -> ProviderAudio:
        if response_format not in RESPONSE_FORMATS:
            raise ValueError(f"OpenAI response_format must be one of {', '.join(RESPONSE_FORMATS)}")
        body: dict[str, object] = {"model": model, "input": text, "voice": voice, "response_format": response_format}
        if speed is not None:
            body["speed"] = min(max(float(speed), SPEED_RANGE[0]), SPEED_RANGE[1])
        if instructions and model not in MODELS_WITHOUT_INSTRUCTIONS:
            body["instructions"] = instructions
        response = self.http.request("POST", "audio/speech", json_body=body)
        raw = RawEncoding("PCM_16", PCM_SAMPLE_RATE) if response_format == "pcm" else None
        return ProviderAudio(PROVIDER, response.body, response_format, raw, response.headers.get("x-request-id"))

    def models(self) -> list[str]:
        """Model ids the key may use: the cheap authenticated probe."""
        listing = self.http.request("GET", "models").json()
        return [str(model["id"]) for model in listing["data"]]

    def probe(self) -> None:
        self.models()
