"""Loaded voices kept in (GPU) memory, least recently used out first, within a byte budget.

Instant voices weigh kilobytes (latents; the base model is shared), fine-tuned ones their GPT.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

logger = logging.getLogger(__name__)


def voice_bytes(voice: Any) -> int:
    return int(getattr(voice, "nbytes", 0))


class VoiceCache:
    def __init__(self, budget_bytes: int):
        self.budget_bytes = budget_bytes
        self._voices: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.evictions = 0

    @property
    def used_bytes(self) -> int:
        return sum(size for _, size in self._voices.values())

    def __len__(self) -> int:
        return len(self._voices)

    def get_or_load(self, key: Hashable, load: Callable[[], Any]) -> tuple[Any, bool]:
        """The voice and whether it was a hit; loads (and may evict others) on a miss."""
        with self._lock:
            if key in self._voices:
                self._voices.move_to_end(key)
                self.hits += 1
                self._log("hit", key)
                return self._voices[key][0], True
            self.misses += 1
        voice = load()
        size = voice_bytes(voice)
        with self._lock:
            self._voices[key] = (voice, size)
            self._voices.move_to_end(key)
            while len(self._voices) > 1 and self.used_bytes > self.budget_bytes:
                evicted, _ = self._voices.popitem(last=False)
                self.evictions += 1
                logger.info("voice cache: evicted %s", evicted)
            self._log("miss", key)
        return voice, False

    def _log(self, what: str, key: Hashable) -> None:
        logger.info(
            "voice cache %s %s: hits=%d misses=%d voices=%d used=%.1f MB",
            what, key, self.hits, self.misses, len(self._voices), self.used_bytes / 1e6,
        )
