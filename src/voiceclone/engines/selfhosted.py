"""SelfHostedEngine: what XTTS, YourTTS and Bark share, an Engine whose model lives in this process.

The model is loaded on first use (`model`) or by the worker's model cache (`load`), and dropped by
`unload`; `memory_bytes` is what its parameters and buffers hold. Subclasses give `_load_model()` and,
when the model's weights sit in more than one module, `_memory_modules(model)`.
"""

from __future__ import annotations

import gc
import threading
from abc import abstractmethod
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from voiceclone.domain.tts import VoiceSettings
from voiceclone.engines.base import Audio, BadInput, Engine
from voiceclone.engines.text import split_text


class SelfHostedEngine(Engine):
    display_name: str  # in its messages: "XTTS", "YourTTS", "Bark"
    model_types: tuple[str, ...]  # the model types it serves
    output_sample_rate: int

    def __init__(self, model_dir: Path, device: str | None = None):
        self.model_dir = Path(model_dir)
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self._model: Any = None
        self._lock = threading.RLock()  # loading, unloading and inference one at a time

    @abstractmethod
    def _load_model(self) -> Any:
        """The model, read from `model_dir` onto `device`."""

    def _memory_modules(self, model: Any) -> Iterable[Any]:
        """The torch modules whose parameters and buffers the loaded model holds."""
        return (model,)

    # --- loading (the worker's model cache calls these) ----------------------------------------

    @property
    def model(self) -> Any:
        """The model, loaded on first use and shared by every voice."""
        with self._lock:
            if self._model is None:
                self._model = self._load_model()
            return self._model

    @property
    def is_loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        self.model  # noqa: B018 - loads on first access

    def unload(self) -> None:
        with self._lock:
            self._model = None
        gc.collect()
        if self.device.startswith("cuda"):
            torch.cuda.empty_cache()

    def memory_bytes(self) -> int:
        """Bytes of the loaded model's parameters and buffers (0 when unloaded)."""
        model = self._model
        if model is None:
            return 0
        return sum(
            t.numel() * t.element_size()
            for module in self._memory_modules(model)
            if module is not None
            for t in (*module.parameters(), *module.buffers())
        )

    # --- shared by the engines that speak chunk by chunk --------------------------------------

    def synthesize(self, text: str, voice: Any, language: str, settings: VoiceSettings) -> Audio:
        """The streamed pieces joined end to end."""
        pieces = list(self.stream(text, voice, language, settings))
        return Audio(np.concatenate(pieces).astype(np.float32), self.output_sample_rate)

    def stream(self, text: str, voice: Any, language: str, settings: VoiceSettings) -> Iterator[np.ndarray]:
        raise NotImplementedError

    def text_chunks(self, text: str, max_characters: int) -> list[str]:
        chunks = split_text(text, max_characters)
        if not chunks:
            raise BadInput("The text is empty once normalised.")
        return chunks

    def check_model_type(self, model_type: str) -> None:
        if model_type not in self.model_types:
            expected = ", ".join(self.model_types)
            raise BadInput(f"Unknown {self.display_name} model type '{model_type}' (expected {expected}).")
