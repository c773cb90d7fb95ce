"""Where each provider is reached: settings, so tests and OpenAI-compatible servers can stand in."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

ELEVENLABS_DEFAULT_BASE_URL = "https://api.elevenlabs.io"
OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1"
AZURE_ENDPOINT_TEMPLATE = "https://{region}.tts.speech.microsoft.com"
# The settings' environment names (voiceclone.config: prefix VOICECLONE_ + field name).
ENVIRONMENT_NAMES = {
    "elevenlabs_base_url": "VOICECLONE_ELEVENLABS_BASE_URL",
    "openai_base_url": "VOICECLONE_OPENAI_BASE_URL",
    "azure_speech_endpoint": "VOICECLONE_AZURE_SPEECH_ENDPOINT",
}


@dataclass(frozen=True)
class RemoteEndpoints:
    elevenlabs_base_url: str = ELEVENLABS_DEFAULT_BASE_URL
    openai_base_url: str = OPENAI_DEFAULT_BASE_URL
    azure_speech_endpoint: str = ""  # empty: https://{AZURE_SPEECH_REGION}.tts.speech.microsoft.com
    timeout_s: float = 30.0

    def azure(self, region: str) -> str:
        if self.azure_speech_endpoint:
            return self.azure_speech_endpoint
        if not region:
            raise ValueError("Azure Speech needs AZURE_SPEECH_REGION or VOICECLONE_AZURE_SPEECH_ENDPOINT")
        return AZURE_ENDPOINT_TEMPLATE.format(region=region)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RemoteEndpoints:
        environ = os.environ if environ is None else environ
        given = {field: environ[name] for field, name in ENVIRONMENT_NAMES.items() if environ.get(name)}
        return cls(
            elevenlabs_base_url=given.get("elevenlabs_base_url", ELEVENLABS_DEFAULT_BASE_URL),
            openai_base_url=given.get("openai_base_url", OPENAI_DEFAULT_BASE_URL),
            azure_speech_endpoint=given.get("azure_speech_endpoint", ""),
        )
