"""Refresh the engine_status collection off the request path: probe each remote engine (and keep its
catalogue of preset voices), check each self-hosted engine's base weights in the models bucket.

Run by the sweeper schedule Lambda and at local start; the availability listing only reads the result.
A probe's record holds the provider's status and reason, never the key.
"""

from __future__ import annotations

import logging
from typing import Any

from voiceclone import blobs
from voiceclone.config import Settings
from voiceclone.domain.availability import CatalogueEntry, EngineProbeRecord, WeightsRecord
from voiceclone.domain.registry import REGISTRY, EngineSpec, ModelType
from voiceclone.domain.timeutil import utcnow
from voiceclone.engines.remote.availability import catalogue, probe_engine
from voiceclone.engines.remote.endpoints import RemoteEndpoints
from voiceclone.engines.remote.errors import ProviderError
from voiceclone.engines.remote.keys import ProviderKeys, load_provider_keys
from voiceclone.engines.remote.speech import client_for
from voiceclone.store import Store

logger = logging.getLogger(__name__)


def remote_endpoints(settings: Settings) -> RemoteEndpoints:
    return RemoteEndpoints(
        elevenlabs_base_url=settings.elevenlabs_base_url,
        openai_base_url=settings.openai_base_url,
        azure_speech_endpoint=settings.azure_speech_endpoint,
    )


def probe_remote(spec: EngineSpec, keys: ProviderKeys, endpoints: RemoteEndpoints) -> EngineProbeRecord:
    probe = probe_engine(spec.engine, keys, endpoints)
    voices: list[CatalogueEntry] = []
    if probe.available and spec.preset_voices:
        try:
            voices = [CatalogueEntry(provider_voice_id=v.provider_voice_id, name=v.name, language=v.language,
                                     gender=v.gender) for v in catalogue(client_for(spec.engine, keys, endpoints))]
        except ProviderError as error:  # the probe passed but the voices list failed: keep the engine, say so
            logger.warning("catalogue of %s not read: %s", spec.model_type, error)
    return EngineProbeRecord(
        model_type=spec.model_type, available=probe.available, reason=probe.reason,
        provider_status=probe.status, checked_at=utcnow(), latency_s=probe.latency_s, catalogue=voices,
    )


def bark_speaker_prompts(keys_in_folder: set[str], prefix: str) -> list[CatalogueEntry]:
    """Bark's preset voices whose three prompt files are in the base folder (`prefix` in the models bucket)."""
    from voiceclone.engines.catalog_selfhosted import BARK_PRESET_VOICES

    parts = ("semantic_prompt", "coarse_prompt", "fine_prompt")
    found = []
    for voice in BARK_PRESET_VOICES:
        stem = f"speakers/{voice.replace('/', '_')}"
        files = {part: f"{stem}_{part}.npy" for part in parts}
        if all(name in keys_in_folder for name in files.values()):
            language = voice.split("/")[1].split("_")[0]
            found.append(CatalogueEntry(provider_voice_id=voice, name=voice, language=language,
                                        artifact_keys={part: prefix + name for part, name in files.items()}))
    return found


def check_weights(spec: EngineSpec, bucket: str, s3: Any) -> WeightsRecord:
    assert spec.weights_name is not None
    prefix = blobs.base_model_prefix(spec.weights_name)
    names: set[str] = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        names.update(item["Key"][len(prefix):] for item in page.get("Contents", []))
    voices = bark_speaker_prompts(names, prefix) if spec.model_type == ModelType.BARK and names else []
    return WeightsRecord(weights_name=spec.weights_name, present=bool(names), checked_at=utcnow(), catalogue=voices)


def refresh_engine_status(store: Store, settings: Settings, s3: Any, keys: ProviderKeys | None = None) -> dict[str, bool]:
    """Probe and check every engine of the registry; returns model type -> reachable (probe) or weights present."""
    keys = keys if keys is not None else load_provider_keys(settings.provider_keys_secret_arn)
    endpoints = remote_endpoints(settings)
    outcome: dict[str, bool] = {}
    checked_weights: dict[str, WeightsRecord] = {}
    for spec in REGISTRY.values():
        if spec.remote:
            probe = probe_remote(spec, keys, endpoints)
            store.engine_status.record_probe(probe)
            outcome[spec.model_type] = probe.available
        elif spec.weights_name:
            if spec.weights_name not in checked_weights:
                checked_weights[spec.weights_name] = check_weights(spec, settings.models_bucket, s3)
                store.engine_status.record_weights(checked_weights[spec.weights_name])
            outcome[spec.model_type] = checked_weights[spec.weights_name].present
    logger.info("engine status refreshed", extra={"engines": outcome})
    return outcome
