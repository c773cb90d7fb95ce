"""ElevenLabs: instant voice cloning (`POST /v1/voices/add`, multipart), text to speech
(`POST /v1/text-to-speech/{voice_id}?output_format=...`), `DELETE /v1/voices/{voice_id}`, probe
`GET /v1/models`. Authenticated by the `xi-api-key` header.

Request shapes from the official SDK (elevenlabs-python, generated from their API definition;
tests/support/fakes/specs/).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from voiceclone.domain.registry import ModelType
from voiceclone.engines.remote.endpoints import ELEVENLABS_DEFAULT_BASE_URL
from voiceclone.engines.remote.errors import ProviderError
from voiceclone.engines.remote.http import HttpResponse, ProviderHttp, RetryPolicy
from voiceclone.engines.remote.provider_audio import ProviderAudio, RawEncoding

PROVIDER = ModelType.ELEVENLABS.value
DEFAULT_MODEL = "eleven_multilingual_v2"
# PCM at 24 kHz: lossless and on every tier (44.1 kHz PCM needs Pro); the platform encodes it once.
DEFAULT_OUTPUT_FORMAT = "pcm_24000"
SPEED_RANGE = (0.7, 1.2)  # ElevenLabs' documented range for voice_settings.speed
_RAW_SUBTYPES = {"pcm": "PCM_16", "ulaw": "ULAW", "alaw": "ALAW"}
_CONTAINERS = ("mp3", "opus", "wav")  # opus comes in Ogg


@dataclass(frozen=True)
class SampleFile:
    """One recording to clone from (the user's enhanced samples)."""

    filename: str
    data: bytes
    content_type: str = "audio/wav"


def error_message(response: HttpResponse) -> str:
    """ElevenLabs answers {"detail": {"status", "message"}} or, on 422, {"detail": [{"loc", "msg"}]}."""
    detail = response.json()["detail"]
    if isinstance(detail, dict):
        return str(detail.get("message") or detail.get("status") or detail)
    if isinstance(detail, list):
        return "; ".join(f"{'.'.join(map(str, item.get('loc', [])))}: {item.get('msg')}" for item in detail)
    return str(detail)


def output_encoding(output_format: str) -> RawEncoding | None:
    """How to decode an output_format (codec_samplerate[_bitrate]); None: a container soundfile sniffs."""
    codec, _, rest = output_format.partition("_")
    if codec in _RAW_SUBTYPES:
        return RawEncoding(_RAW_SUBTYPES[codec], int(rest.split("_")[0]))
    if codec in _CONTAINERS:
        return None
    raise ValueError(f"unknown ElevenLabs output_format {output_format!r}")


class ElevenLabs:
    provider = PROVIDER

    def __init__(self, api_key: str, base_url: str = ELEVENLABS_DEFAULT_BASE_URL, timeout_s: float = 60.0,
                 retry: RetryPolicy | None = None):
        self.http = ProviderHttp(PROVIDER, base_url, {"xi-api-key": api_key}, timeout_s, retry or RetryPolicy(),
                                 error_message)

    def __repr__(self) -> str:
        return f"ElevenLabs({self.http.base_url!r})"

    def add_voice(
        self,
        name: str,
        files: Sequence[SampleFile],
        *,
        description: str | None = None,
        labels: Mapping[str, str] | None = None,
        remove_background_noise: bool = False,
    ) -> str:
        """Clone a voice from the samples; the new voice's id."""
        if not files:
            raise ValueError("ElevenLabs needs at least one sample to clone a voice")
        fields = {"name": name, "remove_background_noise": "true" if remove_background_noise else "false"}
        if description:
            fields["description"] = description
        if labels:
            fields["labels"] = json.dumps(dict(labels))
        body, content_type = multipart(fields, files)
        response = self.http.request("POST", "v1/voices/add", body=body, headers={"Content-Type": content_type})
        return str(response.json()["voice_id"])

    def speech(
        self,
        voice_id: str,
        text: str,
        *,
        model_id: str = DEFAULT_MODEL,
        output_format: str = DEFAULT_OUTPUT_FORMAT,
        voice_settings: Mapping[str, float | bool] | None = None,
        language_code: str | None = None,
    ) -> ProviderAudio:
        raw = output_encoding(output_format)
        body: dict[str, object] = {"text": text, "model_id": model_id}
        if voice_settings is not None:
            body["voice_settings"] = self.voice_settings(voice_settings)
        if language_code:
            body["language_code"] = language_code
        response = self.http.request(
            "POST", f"v1/text-to-speech/{quote(voice_id, safe='')}", json_body=body,
            query={"output_format": output_format}, headers={"Accept": "audio/*"},
        )
        return ProviderAudio(PROVIDER, response.body, output_format, raw, response.headers.get("request-id"))

    @staticmethod
    def voice_settings(settings: Mapping[str, float | bool]) -> dict[str, float | bool]:
        """The platform's voice_settings as ElevenLabs takes them (speed kept within its range)."""
        chosen: dict[str, float | bool] = {
            name: float(settings[name]) for name in ("stability", "similarity_boost", "style") if name in settings
        }
        chosen["use_speaker_boost"] = bool(settings.get("use_speaker_boost", True))
        if "speed" in settings:
            chosen["speed"] = min(max(float(settings["speed"]), SPEED_RANGE[0]), SPEED_RANGE[1])
        return chosen

    def delete_voice(self, voice_id: str) -> bool:
        """Delete a cloned voice; False when ElevenLabs no longer has it (deleting is idempotent)."""
        try:
            self.http.request("DELETE", f"v1/voices/{quote(voice_id, safe='')}")
        except ProviderError as error:
            if error.status == 404:
                return False
            raise
        return True

    def models(self) -> list[str]:
        """Model ids the key may use: the cheap authenticated probe."""
        return [str(model["model_id"]) for model in self.http.request("GET", "v1/models").json()]

    def probe(self) -> None:
        self.models()


def multipart(fields: Mapping[str, str], files: Sequence[SampleFile]) -> tuple[bytes, str]:
    """multipart/form-data with the text fields, then every file under the one field name `files`."""
    boundary = f"voiceclone-{uuid.uuid4().hex}"
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for sample in files:
        filename = sample.filename.replace('"', "").replace("\r", "").replace("\n", "")
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{filename}"\r\n'
                f"Content-Type: {sample.content_type}\r\n\r\n")
        parts.append(head.encode() + sample.data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
