"""Azure Speech neural voices over REST: `POST {endpoint}/cognitiveservices/v1` with SSML and the
`X-Microsoft-OutputFormat` header; voices (and the probe) from `GET {endpoint}/cognitiveservices/voices/list`.
Authenticated by the `Ocp-Apim-Subscription-Key` header. {endpoint} is
https://{region}.tts.speech.microsoft.com unless configured.

Shapes from Microsoft's "Text to speech REST API" reference (tests/support/fakes/specs/).
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from voiceclone.domain.registry import ModelType
from voiceclone.engines.remote.errors import ProviderError
from voiceclone.engines.remote.http import HttpResponse, ProviderHttp, RetryPolicy, default_error_message
from voiceclone.engines.remote.provider_audio import ProviderAudio, RawEncoding

PROVIDER = ModelType.AZURE.value
DEFAULT_VOICE = "en-US-AvaMultilingualNeural"
DEFAULT_OUTPUT_FORMAT = "riff-24khz-16bit-mono-pcm"  # lossless: the platform encodes it once
SSML_NAMESPACE = "http://www.w3.org/2001/10/synthesis"
_RATES = {"8khz": 8000, "16khz": 16000, "22050hz": 22050, "24khz": 24000, "44100hz": 44100, "48khz": 48000}
_RAW_SUBTYPES = {"pcm": "PCM_16", "mulaw": "ULAW", "alaw": "ALAW"}


@dataclass(frozen=True)
class AzureVoice:
    short_name: str
    locale: str
    gender: str
    display_name: str
    voice_type: str
    styles: tuple[str, ...] = ()
    sample_rate: int | None = None


def error_message(response: HttpResponse) -> str:
    """Azure answers some errors as {"error": {"code", "message"}}, others as text or an empty body."""
    if response.content_type == "application/json" and response.body:
        error = response.json().get("error", {})
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
    return default_error_message(response)


def output_encoding(output_format: str) -> RawEncoding | None:
    """riff-*/audio-*/ogg-* are containers soundfile sniffs; raw-* need the rate and codec."""
    parts = output_format.split("-")
    if parts[0] != "raw":
        # webm, SILK and AMR have no decoder here; audio-*-opus is Opus without a documented container
        if parts[0] in ("webm", "amr") or "truesilk" in parts or (parts[0] == "audio" and parts[-1] == "opus"):
            raise ValueError(f"Azure output format {output_format!r} cannot be decoded here")
        return None
    rate, codec = _RATES.get(parts[1]), parts[-1]
    if rate is None or codec not in _RAW_SUBTYPES:
        raise ValueError(f"Azure output format {output_format!r} cannot be decoded here")
    return RawEncoding(_RAW_SUBTYPES[codec], rate)


def ssml(text: str, voice: str, speed: float | None = None) -> str:
    """One voice speaking the text; the language is the voice's locale (en-US-AvaNeural -> en-US)."""
    locale = "-".join(voice.split("-")[:2]) or "en-US"
    spoken = escape(text)
    if speed is not None and abs(speed - 1.0) > 1e-6:
        spoken = f"<prosody rate={quoteattr(f'{(speed - 1.0) * 100:+.0f}%')}>{spoken}</prosody>"
    return (f"<speak version='1.0' xmlns='{SSML_NAMESPACE}' xml:lang={quoteattr(locale)}>"
            f"<voice name={quoteattr(voice)}>{spoken}</voice></speak>")


class AzureSpeech:
    provider = PROVIDER

    def __init__(self, api_key: str, endpoint: str, timeout_s: float = 30.0, retry: RetryPolicy | None = None):
        self.http = ProviderHttp(PROVIDER, endpoint, {"Ocp-Apim-Subscription-Key": api_key}, timeout_s,
                                 retry or RetryPolicy(), error_message)

    def __repr__(self) -> str:
        return f"AzureSpeech({self.http.base_url!r})"

    def speech(self, text: str, voice: str = DEFAULT_VOICE, *, output_format: str = DEFAULT_OUTPUT_FORMAT,
               speed: float | None = None) -> ProviderAudio:
        raw = output_encoding(output_format)
        response = self.http.request(
            "POST", "cognitiveservices/v1", body=ssml(text, voice, speed).encode("utf-8"),
            headers={"Content-Type": "application/ssml+xml", "X-Microsoft-OutputFormat": output_format},
        )
        if not response.body:
            raise ProviderError(PROVIDER, response.status, "answered without audio (is the voice name right?)")
        return ProviderAudio(PROVIDER, response.body, output_format, raw, response.headers.get("x-requestid"))

    def voices(self) -> list[AzureVoice]:
        """The region's voices: the catalogue, and the cheap authenticated probe."""
        listing = self.http.request("GET", "cognitiveservices/voices/list").json()
        return [
            AzureVoice(
                short_name=item["ShortName"], locale=item["Locale"], gender=item.get("Gender", ""),
                display_name=item.get("DisplayName", item["ShortName"]), voice_type=item.get("VoiceType", ""),
                styles=tuple(item.get("StyleList", ())),
                sample_rate=int(item["SampleRateHertz"]) if item.get("SampleRateHertz") else None,
            )
            for item in listing
        ]

    def probe(self) -> None:
        self.voices()
