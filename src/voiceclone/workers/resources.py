"""What both workers build from the settings at start: AWS clients, the tracker, the engines.

The XTTS base model comes from `xtts_model_dir`, or is copied once at start from the models bucket
(`base/xtts_v2/`) into `model_cache_dir`: never at request time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import boto3

from voiceclone import blobs
from voiceclone.config import Settings, get_settings
from voiceclone.domain.registry import XTTS_WEIGHTS_NAME, ModelType
from voiceclone.engines.base import ModelUnavailable
from voiceclone.engines.registry import EngineOptions, EngineRegistry
from voiceclone.observability import configure_worker_logging
from voiceclone.store import Store
from voiceclone.workers.loop import LoopSettings, Worker
from voiceclone.workers.registration import EngineRegistration
from voiceclone.workers.tracking import StoreJobTracker

logger = logging.getLogger(__name__)


def aws_clients() -> dict:
    return {"sqs": boto3.client("sqs"), "sfn": boto3.client("stepfunctions"), "s3": boto3.client("s3")}


def tracker(settings: Settings) -> StoreJobTracker:
    return StoreJobTracker(Store.from_settings(settings))


def loop_settings(settings: Settings, queue_url: str, interrupt_on_stop: bool) -> LoopSettings:
    if not queue_url:
        raise SystemExit("No queue configured (VOICECLONE_TRAIN_QUEUE_URL / VOICECLONE_SYNTH_QUEUE_URL).")
    return LoopSettings(
        queue_url=queue_url,
        heartbeat_s=settings.worker_heartbeat_s,
        visibility_timeout_s=settings.worker_visibility_timeout_s,
        poll_wait_s=settings.worker_poll_wait_s,
        progress_interval_s=settings.worker_progress_interval_s,
        interrupt_on_stop=interrupt_on_stop,
        health_file=Path(settings.worker_health_file) if settings.worker_health_file else None,
    )


def xtts_model_dir(settings: Settings, s3) -> Path:
    """The local base model folder: configured, or copied from the models bucket."""
    if settings.xtts_model_dir:
        return Path(settings.xtts_model_dir)
    prefix = blobs.base_model_prefix(XTTS_WEIGHTS_NAME)
    target = Path(settings.model_cache_dir) / XTTS_WEIGHTS_NAME
    target.mkdir(parents=True, exist_ok=True)
    found = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=settings.models_bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            local = target / item["Key"][len(prefix) :]
            found += 1
            if local.is_file() and local.stat().st_size == item["Size"]:
                continue
            local.parent.mkdir(parents=True, exist_ok=True)
            logger.info("fetching s3://%s/%s", settings.models_bucket, item["Key"])
            s3.download_file(settings.models_bucket, item["Key"], str(local))
    if not found:
        raise ModelUnavailable(
            f"No XTTS v2 base model: set VOICECLONE_XTTS_MODEL_DIR or upload it to s3://{settings.models_bucket}/{prefix} "
            "with `voiceclone models fetch xtts_v2`."
        )
    return target


def engine_registry(settings: Settings, model_dir: Path, s3=None) -> EngineRegistry:
    """The engines on XTTS's `model_dir`; with `s3` (the synth worker) also YourTTS and Bark where their
    weights are in place, every engine's model loaded per job through one LRU within the memory budget."""
    options = EngineOptions(
        xtts_model_dir=model_dir,
        device=settings.worker_device or None,
        max_new_tokens=settings.xtts_max_new_tokens,
        asr_model=settings.asr_model or None,
    )
    if s3 is None:
        return EngineRegistry(options)
    from voiceclone.engines.selfhosted_factory import device_of, served_model_dir
    from voiceclone.workers.model_cache import model_cache

    options = replace(
        options,
        yourtts_model_dir=served_model_dir(settings.yourtts_model_dir, ModelType.YOURTTS, settings, s3),
        bark_model_dir=served_model_dir(settings.bark_model_dir, ModelType.BARK, settings, s3),
        bark_max_gen_duration_s=settings.bark_max_gen_duration_s,
    )
    return EngineRegistry(options, models=model_cache(settings.worker_model_cache_mb, device_of(settings)))


def serve(build_worker: Callable[[Settings], Worker], service: str = "voiceclone-worker") -> int:
    """A container's entry point: build the worker from the environment and poll until SIGTERM."""
    configure_worker_logging(service)  # JSON lines on stdout, the job id on each (voiceclone.observability)
    settings = get_settings()
    worker = build_worker(settings)
    registration = register_engines(worker, settings)
    worker.install_signal_handlers()
    try:
        worker.run()
    finally:
        if registration is not None:
            registration.withdraw()
    return 0


def register_engines(worker: Worker, settings: Settings) -> EngineRegistration | None:
    """A synth worker records the model types it serves, with a heartbeat (availability reads it)."""
    registry = getattr(worker.handler, "registry", None)
    if worker.handler.kind != "synthesize" or not isinstance(registry, EngineRegistry):
        return None
    registration = EngineRegistration(Store.from_settings(settings), registry.served_model_types(),
                                      interval_s=min(settings.worker_heartbeat_s, settings.engine_worker_max_age_s / 3))
    worker.presence = registration
    return registration
