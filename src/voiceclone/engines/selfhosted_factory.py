"""The YourTTS and Bark engines a worker builds from its settings (model folder configured or copied from the bucket).

Like resources.xtts_model_dir for XTTS: the weights come from `<engine>_model_dir` when set, else they are
copied once from the models bucket (`base/<engine>/`) into `model_cache_dir`; never at request time.
Building an engine loads nothing: the worker's ModelCache loads it on first use.
"""

from __future__ import annotations

from pathlib import Path

from voiceclone.config import Settings
from voiceclone.engines.bark.engine import BarkEngine
from voiceclone.engines.catalog_selfhosted import BARK, YOURTTS
from voiceclone.engines.fetch_selfhosted import base_model_dir
from voiceclone.engines.yourtts.engine import YourTtsEngine
from voiceclone.workers.model_cache import ModelCache, gauge_for_device

MIB = 1024 * 1024


def _model_dir(configured: str, name: str, settings: Settings, s3) -> Path:
    if configured:
        return Path(configured)
    return base_model_dir(name, settings.models_bucket, Path(settings.model_cache_dir), s3)


def device_of(settings: Settings) -> str:
    import torch

    return settings.worker_device or ("cuda" if torch.cuda.is_available() else "cpu")


def yourtts_engine(settings: Settings, s3) -> YourTtsEngine:
    return YourTtsEngine(
        _model_dir(settings.yourtts_model_dir, YOURTTS.weights_name, settings, s3), device=device_of(settings)
    )


def bark_engine(settings: Settings, s3) -> BarkEngine:
    return BarkEngine(
        _model_dir(settings.bark_model_dir, BARK.weights_name, settings, s3),
        device=device_of(settings),
        max_gen_duration_s=settings.bark_max_gen_duration_s,
    )


def model_cache(settings: Settings) -> ModelCache:
    """The worker's engine-model LRU within VOICECLONE_WORKER_MODEL_CACHE_MB, measured as its device allows."""
    return ModelCache(settings.worker_model_cache_mb * MIB, gauge_for_device(device_of(settings)))
