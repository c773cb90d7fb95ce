"""Where a worker finds the weights of YourTTS and Bark, and those engines built from its settings.

Like resources.xtts_model_dir for XTTS: the weights come from `<engine>_model_dir` when set, else they are
copied once from the models bucket (`base/<engine>/`) into `model_cache_dir`; never at request time.
Building an engine loads nothing: the worker's model cache loads it on first use.
"""

from __future__ import annotations

import logging
from pathlib import Path

from voiceclone.config import Settings
from voiceclone.engines.bark.engine import BarkEngine
from voiceclone.engines.base import ModelUnavailable
from voiceclone.engines.catalog_selfhosted import BARK, YOURTTS
from voiceclone.engines.fetch_selfhosted import base_model_dir
from voiceclone.engines.yourtts.engine import YourTtsEngine

logger = logging.getLogger(__name__)


def _model_dir(configured: str, name: str, settings: Settings, s3) -> Path:
    if configured:
        return Path(configured)
    return base_model_dir(name, settings.models_bucket, Path(settings.model_cache_dir), s3)


def served_model_dir(configured: str, name: str, settings: Settings, s3) -> Path | None:
    """The engine's weights folder, or None when they are not in place (the worker then does not serve it)."""
    try:
        return _model_dir(configured, name, settings, s3)
    except ModelUnavailable as error:
        logger.info("not serving %s: %s", name, error)
        return None


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
