"""The orchestration component's logger, metrics and tracer, and the job facts its metrics are keyed by."""

from __future__ import annotations

from voiceclone.observability import Component, Service
from voiceclone.store import Store

ORCHESTRATION = Component(Service.ORCHESTRATION)
logger = ORCHESTRATION.logger
UNKNOWN_ENGINE = "unknown"


def job_engine(store: Store, kind: str, user_id: str, job_id: str) -> str:
    """A TTS job's engine, or a training job's model type; 'unknown' for a job that is gone."""
    if kind == "training":
        training = store.training.find(user_id, job_id)
        return str(training.config.model_type) if training else UNKNOWN_ENGINE
    tts = store.tts.find(user_id, job_id)
    return tts.engine if tts else UNKNOWN_ENGINE
