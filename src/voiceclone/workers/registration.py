"""A synth worker's registration in engine_status: the model types it serves and a heartbeat.

The availability listing counts a self-hosted engine as served while some worker's heartbeat is recent
(Settings.engine_worker_max_age_s). Beats are written at most every `interval_s`; a database error is
logged and never stops the job loop.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable

from pymongo.errors import PyMongoError

from voiceclone.domain.registry import ModelType
from voiceclone.store import Store

logger = logging.getLogger(__name__)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class EngineRegistration:
    def __init__(self, store: Store, model_types: list[ModelType], interval_s: float, *,
                 identity: str | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.store, self.model_types, self.interval_s = store, model_types, interval_s
        self.identity = identity or worker_id()
        self._clock = clock
        self._last: float | None = None

    def __call__(self) -> None:
        now = self._clock()
        if self._last is not None and now - self._last < self.interval_s:
            return
        try:
            self.store.engine_status.heartbeat_worker(self.identity, self.model_types)
            self._last = now
        except PyMongoError:
            logger.exception("could not record the worker's heartbeat in engine_status")

    def withdraw(self) -> None:
        try:
            self.store.engine_status.remove_worker(self.identity)
        except PyMongoError:
            logger.exception("could not remove the worker from engine_status")
