"""Which engine serves which model_type: the one place a worker picks an engine.

Engines load lazily (the first voice or request), so building the registry costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from voiceclone.domain.training import ModelType
from voiceclone.engines.base import BadInput, Engine

# The engine serving each model type (engines load lazily: naming one here imports nothing heavy).
ENGINE_OF_MODEL_TYPE: dict[str, str] = {ModelType.XTTS_V2: "xtts", ModelType.XTTS_V2_INSTANT: "xtts"}


@dataclass(frozen=True)
class EngineOptions:
    xtts_model_dir: Path
    device: str | None = None
    max_new_tokens: int | None = None
    asr_model: str | None = None


class EngineRegistry:
    def __init__(self, options: EngineOptions):
        self.options = options
        self._engines: dict[str, Engine] = {}

    def served_model_types(self) -> list[ModelType]:
        """The model types a worker with this registry speaks (its engine_status registration)."""
        return [ModelType(model_type) for model_type in ENGINE_OF_MODEL_TYPE]

    def engine_for(self, model_type: str) -> Engine:
        name = ENGINE_OF_MODEL_TYPE.get(model_type)
        if name is None:
            raise BadInput(f"Unknown model type '{model_type}' (known: {', '.join(ENGINE_OF_MODEL_TYPE)}).")
        if name not in self._engines:
            self._engines[name] = self._xtts()
        return self._engines[name]

    def _xtts(self) -> Engine:
        from voiceclone.engines.asr import transcriber_from_config
        from voiceclone.engines.xtts.engine import XttsEngine

        return XttsEngine(
            self.options.xtts_model_dir,
            device=self.options.device,
            max_new_tokens=self.options.max_new_tokens,
            transcriber=transcriber_from_config(self.options.asr_model, self.options.device or "cpu"),
        )
