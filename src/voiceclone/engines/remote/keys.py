"""Provider API keys: in AWS one Secrets Manager secret (a JSON object by provider), locally the
environment (ELEVENLABS_API_KEY, OPENAI_API_KEY, AZURE_SPEECH_KEY + AZURE_SPEECH_REGION)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from voiceclone.domain.registry import ModelType
from voiceclone.engines.remote.errors import ProviderNotConfigured

ELEVENLABS, OPENAI, AZURE = ModelType.ELEVENLABS.value, ModelType.OPENAI.value, ModelType.AZURE.value
# secret field -> environment variable; the secret may use either spelling
ENVIRONMENT_NAMES = {
    ELEVENLABS: "ELEVENLABS_API_KEY",
    OPENAI: "OPENAI_API_KEY",
    AZURE: "AZURE_SPEECH_KEY",
    "azure_region": "AZURE_SPEECH_REGION",
}


@dataclass(frozen=True)
class ProviderKeys:
    elevenlabs: str = ""
    openai: str = ""
    azure: str = ""
    azure_region: str = ""

    def __repr__(self) -> str:  # never the keys themselves
        held = [name for name in (ELEVENLABS, OPENAI, AZURE) if getattr(self, name)]
        return f"ProviderKeys(configured={held}, azure_region={self.azure_region!r})"

    __str__ = __repr__

    def configured(self, provider: str) -> bool:
        return bool(getattr(self, provider, ""))

    def key_for(self, provider: str) -> str:
        key = getattr(self, provider, "")
        if not key:
            raise ProviderNotConfigured(provider, f"no API key configured for {provider}")
        return key

    def secrets(self) -> list[str]:
        return [key for key in (self.elevenlabs, self.openai, self.azure) if key]


def provider_keys_from_mapping(values: Mapping[str, object]) -> ProviderKeys:
    """From the secret's JSON object or the environment: each field by its secret or environment name."""
    found = {}
    for field, env_name in ENVIRONMENT_NAMES.items():
        value = values.get(field) or values.get(env_name) or ""
        found[field] = str(value).strip()
    return ProviderKeys(**found)


def provider_keys_from_env(environ: Mapping[str, str] | None = None) -> ProviderKeys:
    return provider_keys_from_mapping(os.environ if environ is None else environ)


def provider_keys_from_secret(secret_string: str) -> ProviderKeys:
    try:
        values = json.loads(secret_string)
    except ValueError:
        raise ValueError("the provider-keys secret is not a JSON object") from None  # never echo it
    if not isinstance(values, dict):
        raise TypeError("the provider-keys secret is not a JSON object")
    return provider_keys_from_mapping(values)


def load_provider_keys(
    secret_arn: str = "",
    environ: Mapping[str, str] | None = None,
    read_secret: Callable[[str], str] | None = None,
) -> ProviderKeys:
    """The secret's keys when `secret_arn` is set (Settings.provider_keys_secret_arn), else the environment's.
    `read_secret` defaults to Powertools' cached get_secret (5 minutes), as for the MongoDB secret."""
    if not secret_arn:
        return provider_keys_from_env(environ)
    if read_secret is None:
        from aws_lambda_powertools.utilities.parameters import get_secret  # boto3 only where deployed

        def read_secret(arn: str) -> str:
            return str(get_secret(arn, max_age=300))

    return provider_keys_from_secret(read_secret(secret_arn))
