"""One TTS request to whichever remote engine a job names (engine id = provider name)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from voiceclone.engines.remote import azure_speech, elevenlabs, openai_tts
from voiceclone.engines.remote.azure_speech import AzureSpeech
from voiceclone.engines.remote.elevenlabs import ElevenLabs
from voiceclone.engines.remote.endpoints import RemoteEndpoints
from voiceclone.engines.remote.keys import AZURE, ELEVENLABS, OPENAI, ProviderKeys
from voiceclone.engines.remote.openai_tts import OpenAiTts
from voiceclone.engines.remote.provider_audio import ProviderAudio

REMOTE_ENGINES = (ELEVENLABS, OPENAI, AZURE)
RemoteClient = ElevenLabs | OpenAiTts | AzureSpeech


class UnknownRemoteEngine(ValueError):
    pass


@dataclass(frozen=True)
class RemoteSpeechRequest:
    engine: str
    text: str
    voice: str | None = None  # the provider's voice id; None: the engine's default preset (not ElevenLabs)
    language: str = "en"
    voice_settings: Mapping[str, float | bool] = field(default_factory=dict)
    model: str | None = None  # None: the engine's default model
    instructions: str | None = None  # OpenAI models that take them
    provider_format: str | None = None  # None: the engine's lossless default


def client_for(engine: str, keys: ProviderKeys, endpoints: RemoteEndpoints) -> RemoteClient:
    """A client with the engine's key and base URL; ProviderNotConfigured when it has no key."""
    if engine == OPENAI:
        return OpenAiTts(keys.key_for(OPENAI), endpoints.openai_base_url, endpoints.timeout_s)
    if engine == ELEVENLABS:
        return ElevenLabs(keys.key_for(ELEVENLABS), endpoints.elevenlabs_base_url, endpoints.timeout_s)
    if engine == AZURE:
        return AzureSpeech(keys.key_for(AZURE), endpoints.azure(keys.azure_region), endpoints.timeout_s)
    raise UnknownRemoteEngine(f"'{engine}' is not a remote engine (they are {', '.join(REMOTE_ENGINES)})")


def fetch_speech(client: RemoteClient, request: RemoteSpeechRequest) -> ProviderAudio:
    settings = request.voice_settings
    speed = float(settings["speed"]) if "speed" in settings else None
    if isinstance(client, OpenAiTts):
        return client.speech(
            request.text, request.voice or openai_tts.DEFAULT_VOICE, model=request.model or openai_tts.DEFAULT_MODEL,
            response_format=request.provider_format or "wav", speed=speed, instructions=request.instructions,
        )
    if isinstance(client, ElevenLabs):
        if not request.voice:
            raise ValueError("an ElevenLabs job needs the voice's ElevenLabs voice id")
        return client.speech(
            request.voice, request.text, model_id=request.model or elevenlabs.DEFAULT_MODEL,
            output_format=request.provider_format or elevenlabs.DEFAULT_OUTPUT_FORMAT, voice_settings=settings,
        )
    return client.speech(
        request.text, request.voice or azure_speech.DEFAULT_VOICE,
        output_format=request.provider_format or azure_speech.DEFAULT_OUTPUT_FORMAT, speed=speed,
    )
