"""Is a remote engine usable here: a key is configured and the provider's cheap authenticated call
succeeds. Run it off the request path and cache the answer; the reason never holds the key."""

from __future__ import annotations

import time
from dataclasses import dataclass

from voiceclone.domain.registry import ModelType
from voiceclone.engines.remote import openai_tts
from voiceclone.engines.remote.azure_speech import AzureSpeech
from voiceclone.engines.remote.elevenlabs import ElevenLabs
from voiceclone.engines.remote.endpoints import RemoteEndpoints
from voiceclone.engines.remote.errors import ProviderError, ProviderNotConfigured
from voiceclone.engines.remote.keys import ProviderKeys
from voiceclone.engines.remote.speech import RemoteClient, client_for

NO_KEY = "no API key configured"


@dataclass(frozen=True)
class EngineProbe:
    engine: str
    available: bool
    reason: str | None  # why not, for the availability listing
    status: int | None  # the provider's HTTP status when it answered with an error
    checked_at: float  # epoch seconds
    latency_s: float | None = None


@dataclass(frozen=True)
class CatalogueVoice:
    """A provider's preset voice, spoken with `provider_voice_id`."""

    engine: str
    provider_voice_id: str
    name: str
    language: str | None = None
    gender: str | None = None


def probe_engine(engine: str, keys: ProviderKeys, endpoints: RemoteEndpoints) -> EngineProbe:
    now = time.time()
    try:
        client = client_for(engine, keys, endpoints)
    except ProviderNotConfigured:
        return EngineProbe(engine, False, NO_KEY, None, now)
    except ValueError as error:  # e.g. Azure without a region or an endpoint
        return EngineProbe(engine, False, str(error), None, now)
    started = time.perf_counter()
    try:
        client.probe()
    except ProviderError as error:
        reason = (f"the provider refused the platform's key (HTTP {error.status}: {error.message})" if error.auth_refused
                  else str(error))
        return EngineProbe(engine, False, reason, error.status, now)
    return EngineProbe(engine, True, None, None, now, round(time.perf_counter() - started, 4))


def catalogue(client: RemoteClient) -> list[CatalogueVoice]:
    """The provider's preset voices: OpenAI's built-in list, Azure's voices list (one request);
    ElevenLabs' voices are the users' own clones, kept by the platform."""
    if isinstance(client, AzureSpeech):
        return [CatalogueVoice(ModelType.AZURE.value, voice.short_name, voice.display_name, voice.locale, voice.gender)
                for voice in client.voices()]
    if isinstance(client, ElevenLabs):
        return []
    return [CatalogueVoice(ModelType.OPENAI.value, voice, voice.capitalize()) for voice in openai_tts.VOICES]
