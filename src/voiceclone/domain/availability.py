"""Is an engine usable now: the facts the engine_status collection holds and the rule that reads them.

Remote engines: the last probe (key configured + a cheap authenticated call), recent enough. Self-hosted
engines: the base weights are in the models bucket and a worker that serves the engine heartbeated
recently. Pure rules; the records are written off the request path (sweeper schedule, local start,
workers) and only read by the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from voiceclone.domain.registry import EngineSpec, ModelType

NO_KEY = "no API key configured"
NO_WEIGHTS = "weights not in place"
NO_WORKER = "no worker serving it"
NOT_PROBED = "not checked yet"
PROBE_STALE = "last check too old"


class CatalogueEntry(BaseModel):
    """A provider's preset voice as the probe found it (spoken with its provider_voice_id)."""

    provider_voice_id: str
    name: str
    language: str | None = None
    gender: str | None = None
    artifact_keys: dict[str, str] = Field(default_factory=dict)  # a self-hosted preset's files in the models bucket


class EngineProbeRecord(BaseModel):
    """The last probe of a remote engine; never holds the key."""

    model_type: ModelType
    available: bool
    reason: str | None = None
    provider_status: int | None = None  # the provider's HTTP status when it refused
    checked_at: datetime
    latency_s: float | None = None
    catalogue: list[CatalogueEntry] = Field(default_factory=list)


class WeightsRecord(BaseModel):
    """Whether a self-hosted engine's base model folder is in the models bucket."""

    weights_name: str
    present: bool
    checked_at: datetime
    catalogue: list[CatalogueEntry] = Field(default_factory=list)  # Bark's speaker prompts


class WorkerRecord(BaseModel):
    """A worker's registration: the model types it serves, with its last heartbeat."""

    worker_id: str
    model_types: list[ModelType]
    heartbeat_at: datetime


@dataclass(frozen=True)
class Availability:
    available: bool
    reason: str | None
    checked_at: datetime | None


@dataclass(frozen=True)
class StatusSnapshot:
    """What the engine_status collection says, read once per listing."""

    probes: dict[ModelType, EngineProbeRecord]
    weights: dict[str, WeightsRecord]
    workers: list[WorkerRecord]


def availability_of(spec: EngineSpec, snapshot: StatusSnapshot, now: datetime,
                    probe_max_age: timedelta, heartbeat_max_age: timedelta) -> Availability:
    if spec.remote:
        probe = snapshot.probes.get(spec.model_type)
        if probe is None:
            return Availability(False, NOT_PROBED, None)
        if now - probe.checked_at > probe_max_age:
            return Availability(False, PROBE_STALE, probe.checked_at)
        return Availability(probe.available, None if probe.available else probe.reason, probe.checked_at)
    weights = snapshot.weights.get(spec.weights_name or "")
    if weights is None or not weights.present:
        return Availability(False, NO_WEIGHTS, weights.checked_at if weights else None)
    beats = [w.heartbeat_at for w in snapshot.workers if spec.model_type in w.model_types]
    live = [beat for beat in beats if now - beat <= heartbeat_max_age]
    if not live:
        return Availability(False, NO_WORKER, max(beats) if beats else weights.checked_at)
    return Availability(True, None, max(live))


def catalogue_of(spec: EngineSpec, snapshot: StatusSnapshot) -> list[CatalogueEntry]:
    if spec.remote:
        probe = snapshot.probes.get(spec.model_type)
        return list(probe.catalogue) if probe else []
    weights = snapshot.weights.get(spec.weights_name or "")
    return list(weights.catalogue) if weights else []


CATALOGUE_SEPARATOR = ":"


def catalogue_voice_id(model_type: ModelType, provider_voice_id: str) -> str:
    """The voice_model_id of a catalogue voice, e.g. openai:alloy, bark:v2/en_speaker_6."""
    return f"{model_type}{CATALOGUE_SEPARATOR}{provider_voice_id}"


def parse_catalogue_voice_id(voice_model_id: str) -> tuple[ModelType, str] | None:
    """(model type, provider voice id) when the id names a catalogue voice; None for a platform voice id."""
    prefix, separator, provider_voice_id = voice_model_id.partition(CATALOGUE_SEPARATOR)
    if not separator or not provider_voice_id:
        return None
    try:
        return ModelType(prefix), provider_voice_id
    except ValueError:
        return None
