"""Where keys and base URLs come from: the provider-keys secret (Secrets Manager, here moto) or the
environment; the VOICECLONE_*_BASE_URL / _ENDPOINT settings."""

from __future__ import annotations

import json
import uuid

import pytest

from voiceclone.engines.remote.endpoints import RemoteEndpoints
from voiceclone.engines.remote.errors import ProviderNotConfigured
from voiceclone.engines.remote.keys import load_provider_keys, provider_keys_from_env
from voiceclone.engines.remote.speech import UnknownRemoteEngine, client_for


def test_keys_from_the_environment():
    keys = provider_keys_from_env({"OPENAI_API_KEY": "sk-1", "AZURE_SPEECH_KEY": "az", "AZURE_SPEECH_REGION": "westus"})
    assert (keys.openai, keys.azure, keys.azure_region, keys.elevenlabs) == ("sk-1", "az", "westus", "")
    assert keys.configured("openai") and not keys.configured("elevenlabs")
    with pytest.raises(ProviderNotConfigured, match="no API key configured for elevenlabs"):
        keys.key_for("elevenlabs")


def test_keys_from_the_provider_keys_secret_in_secrets_manager(aws):
    secrets = aws.client("secretsmanager")
    name = f"voiceclone/provider-keys-{uuid.uuid4().hex[:8]}"
    arn = secrets.create_secret(Name=name, SecretString=json.dumps(
        {"elevenlabs": "el-key", "openai": "sk-key", "azure": "az-key", "azure_region": "northeurope"}))["ARN"]
    keys = load_provider_keys(arn, environ={"OPENAI_API_KEY": "ignored when a secret is configured"})
    assert (keys.elevenlabs, keys.openai, keys.azure, keys.azure_region) == ("el-key", "sk-key", "az-key", "northeurope")


def test_no_secret_configured_reads_the_environment():
    assert load_provider_keys("", environ={"ELEVENLABS_API_KEY": "el"}).elevenlabs == "el"


def test_base_urls_from_the_settings_environment():
    endpoints = RemoteEndpoints.from_env({
        "VOICECLONE_OPENAI_BASE_URL": "http://localhost:8880/v1",
        "VOICECLONE_ELEVENLABS_BASE_URL": "https://api.eu.residency.elevenlabs.io",
    })
    assert endpoints.openai_base_url == "http://localhost:8880/v1"
    assert endpoints.elevenlabs_base_url == "https://api.eu.residency.elevenlabs.io"
    assert endpoints.azure("westeurope") == "https://westeurope.tts.speech.microsoft.com"
    assert RemoteEndpoints.from_env({"VOICECLONE_AZURE_SPEECH_ENDPOINT": "http://127.0.0.1:9"}).azure("") == "http://127.0.0.1:9"
    defaults = RemoteEndpoints.from_env({})
    assert (defaults.openai_base_url, defaults.elevenlabs_base_url) == ("https://api.openai.com/v1", "https://api.elevenlabs.io")
    with pytest.raises(ValueError, match="AZURE_SPEECH_REGION"):
        defaults.azure("")


def test_client_for_each_engine():
    keys = provider_keys_from_env({"OPENAI_API_KEY": "sk", "ELEVENLABS_API_KEY": "el", "AZURE_SPEECH_KEY": "az",
                                   "AZURE_SPEECH_REGION": "westus"})
    endpoints = RemoteEndpoints()
    assert [type(client_for(engine, keys, endpoints)).__name__ for engine in ("openai", "elevenlabs", "azure")] == [
        "OpenAiTts", "ElevenLabs", "AzureSpeech"]
    assert client_for("azure", keys, endpoints).http.base_url == "https://westus.tts.speech.microsoft.com"
    with pytest.raises(UnknownRemoteEngine):
        client_for("xtts_v2", keys, endpoints)
    with pytest.raises(ProviderNotConfigured):
        client_for("openai", provider_keys_from_env({}), endpoints)
