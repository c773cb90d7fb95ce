"""Engine models loaded on first use and unloaded least recently used first, within a memory budget.

A worker may serve several self-hosted engines (XTTS, YourTTS, Bark) but not hold them all: `acquire`
loads a model when a job needs it and unloads the least recently used others until the loaded ones fit
`budget_bytes`. Memory is measured, not declared: on a GPU `torch.cuda.memory_allocated` (what the
models actually hold), on CPU the parameter and buffer bytes each model reports. The model being
acquired is never unloaded (a budget smaller than one model still serves it, alone). A size seen at a
model's last load is remembered, so room is made before loading it again (no GPU out-of-memory first).

Loads, unloads, hits and misses are counted (`stats`) and each is logged (a JSON line in the workers).
Jobs run one at a time per worker; the lock only keeps concurrent callers consistent.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

logger = logging.getLogger(__name__)


@runtime_checkable
class ManagedModel(Protocol):
    """What an engine offers the cache (YourTtsEngine and BarkEngine implement it)."""

    @property
    def is_loaded(self) -> bool: ...

    def load(self) -> None: ...

    def unload(self) -> None: ...

    def memory_bytes(self) -> int:
        """Bytes of the loaded model's parameters and buffers (0 when unloaded)."""


# How much memory the loaded models hold, given them (CPU: their own estimates; GPU: the allocator's figure).
MemoryGauge = Callable[[list[ManagedModel]], int]


def parameter_bytes(models: list[ManagedModel]) -> int:
    return sum(model.memory_bytes() for model in models)


def cuda_allocated(device: str | int | None = None) -> MemoryGauge:
    def gauge(models: list[ManagedModel]) -> int:
        import torch

        return int(torch.cuda.memory_allocated(device))

    return gauge


def gauge_for_device(device: str) -> MemoryGauge:
    return cuda_allocated(device) if device.startswith("cuda") else parameter_bytes


MIB = 1024 * 1024


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    loads: int = 0
    unloads: int = 0
    load_seconds: float = 0.0
    unload_seconds: float = 0.0


class ModelCache:
    def __init__(self, budget_bytes: int, gauge: MemoryGauge = parameter_bytes):
        self.budget_bytes = budget_bytes
        self.gauge = gauge
        self.stats = CacheStats()
        self._models: OrderedDict[str, ManagedModel] = OrderedDict()  # least recently used first
        self._sizes: dict[str, int] = {}  # bytes each model added at its last load
        self._lock = threading.RLock()

    def loaded(self) -> list[str]:
        """Names of the loaded models, least recently used first."""
        with self._lock:
            return [name for name, model in self._models.items() if model.is_loaded]

    def used_bytes(self) -> int:
        with self._lock:
            return self.gauge([m for m in self._models.values() if m.is_loaded])

    def acquire(self, name: str, model: ManagedModel) -> ManagedModel:
        """`model` loaded and marked most recently used; others unloaded as the budget needs."""
        with self._lock:
            known = self._models.get(name)
            if known is not None and known is not model:
                raise ValueError(f"model cache: '{name}' is already another model")
            self._models[name] = model
            self._models.move_to_end(name)
            if model.is_loaded:
                self.stats.hits += 1
                self._log("hit", name)
                return model
            self.stats.misses += 1
            self._make_room(self._sizes.get(name, 0), keep=name)
            before = self.used_bytes()
            started = time.perf_counter()
            model.load()
            seconds = time.perf_counter() - started
            self._sizes[name] = max(self.used_bytes() - before, model.memory_bytes())
            self.stats.loads += 1
            self.stats.load_seconds += seconds
            self._log("load", name, seconds)
            self._make_room(0, keep=name)
            return model

    def unload(self, name: str) -> None:
        with self._lock:
            model = self._models.get(name)
            if model is None or not model.is_loaded:
                return
            started = time.perf_counter()
            model.unload()
            seconds = time.perf_counter() - started
            self.stats.unloads += 1
            self.stats.unload_seconds += seconds
            self._log("unload", name, seconds)

    def unload_all(self) -> None:
        for name in self.loaded():
            self.unload(name)

    def _make_room(self, incoming_bytes: int, keep: str) -> None:
        for name in self.loaded():  # least recently used first
            if self.used_bytes() + incoming_bytes <= self.budget_bytes:
                return
            if name != keep:
                self.unload(name)

    def _log(self, event: str, name: str, seconds: float | None = None) -> None:
        s = self.stats
        logger.info(
            "model cache %s %s%s: hits=%d misses=%d loads=%d unloads=%d loaded=%s used=%.1f MB budget=%.1f MB",
            event,
            name,
            f" in {seconds:.3f} s" if seconds is not None else "",
            s.hits,
            s.misses,
            s.loads,
            s.unloads,
            ",".join(self.loaded()) or "-",
            self.used_bytes() / 1e6,
            self.budget_bytes / 1e6,
            extra={
                "model_cache_event": event,
                "model": name,
                "seconds": seconds,
                "hits": s.hits,
                "misses": s.misses,
                "loads": s.loads,
                "unloads": s.unloads,
            },
        )


def model_cache(budget_mb: int, device: str) -> ModelCache:
    """A worker's engine-model LRU within `budget_mb` (VOICECLONE_WORKER_MODEL_CACHE_MB), measured as `device` allows."""
    return ModelCache(budget_mb * MIB, gauge_for_device(device))
