"""Which engine serves which model_type: the one place a worker picks an engine.

Engines are built on first use and building one loads nothing. A worker that passes `models` (its
`workers.model_cache.ModelCache`) gets each engine's model acquired (loaded) by `engine_for`, once per
job, the least recently used others unloaded as the cache's memory budget needs. A self-hosted engine beside
XTTS is served only when its weights folder is given (`EngineOptions.yourtts_model_dir`, `bark_model_dir`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from voiceclone.domain.training import ModelType
from voiceclone.engines.base import BadInput, Engine, ModelUnavailable

XTTS, YOURTTS, BARK = "xtts", ModelType.YOURTTS.value, ModelType.BARK.value
# The engine serving each model type (engines load lazily: naming one here imports nothing heavy).
ENGINE_OF_MODEL_TYPE: dict[str, str] = {
    ModelType.XTTS_V2: XTTS,
    ModelType.XTTS_V2_INSTANT: XTTS,
    ModelType.YOURTTS: YOURTTS,
    ModelType.BARK: BARK,
}


class ModelLoader(Protocol):
    """Loads an engine's model under `name` before a job uses it (workers.model_cache.ModelCache)."""

    def acquire(self, name: str, model: Any) -> Any: ...


@dataclass(frozen=True)
class EngineOptions:
    xtts_model_dir: Path
    device: str | None = None
    max_new_tokens: int | None = None
    asr_model: str | None = None
    yourtts_model_dir: Path | None = None  # None: this worker does not serve YourTTS
    bark_model_dir: Path | None = None  # None: this worker does not serve Bark
    bark_max_gen_duration_s: float | None = None  # a cap per text chunk (random test weights never stop)

    def model_dir(self, engine: str) -> Path | None:
        return {XTTS: self.xtts_model_dir, YOURTTS: self.yourtts_model_dir, BARK: self.bark_model_dir}[engine]


class EngineRegistry:
    def __init__(self, options: EngineOptions, models: ModelLoader | None = None):
        self.options = options
        self.models = models
        self._engines: dict[str, Engine] = {}

    def served_model_types(self) -> list[ModelType]:
        """The model types a worker with this registry speaks (its engine_status registration)."""
        return [ModelType(model_type) for model_type, engine in ENGINE_OF_MODEL_TYPE.items()
                if self.options.model_dir(engine) is not None]

    def engine_for(self, model_type: str) -> Engine:
        """The engine of `model_type`, its model acquired (loaded) when the registry has a model cache."""
        name = ENGINE_OF_MODEL_TYPE.get(model_type)
        if name is None:
            raise BadInput(f"Unknown model type '{model_type}' (known: {', '.join(ENGINE_OF_MODEL_TYPE)}).")
        model_dir = self.options.model_dir(name)
        if model_dir is None:
            raise ModelUnavailable(f"this worker does not serve {model_type}: its weights are not in place")
        engine = self._engines.get(name)
        if engine is None:
            engine = self._engines[name] = self._build(name, model_dir)
        if self.models is not None:
            self.models.acquire(name, engine)
        return engine

    def _build(self, name: str, model_dir: Path) -> Engine:
        options = self.options
        if name == YOURTTS:
            from voiceclone.engines.yourtts.engine import YourTtsEngine

            return YourTtsEngine(model_dir, device=options.device)
        if name == BARK:
            from voiceclone.engines.bark.engine import BarkEngine

            return BarkEngine(model_dir, device=options.device, max_gen_duration_s=options.bark_max_gen_duration_s)
        from voiceclone.engines.asr import transcriber_from_config
        from voiceclone.engines.xtts.engine import XttsEngine

        return XttsEngine(
            model_dir,
            device=options.device,
            max_new_tokens=options.max_new_tokens,
            transcriber=transcriber_from_config(options.asr_model, options.device or "cpu"),
        )
