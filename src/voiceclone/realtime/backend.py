"""What speaks in real time: the synth worker's engine registry and voice loader (one voice cache).

`SynthesisBackend.of_handler(handler)` shares a running synth worker's (`workers.synth.SynthHandler`);
the gpu-synth container and the local run build it that way. `speaker()` resolves a voice id to a
loaded voice the caller may use, with the same rules as jobs: own or public and ready (else 404 / 409).
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voiceclone.domain.errors import InvalidInput
from voiceclone.domain.registry import EngineSpec, spec_of
from voiceclone.engines.base import Engine
from voiceclone.engines.registry import EngineRegistry
from voiceclone.realtime.engine_isolation import private_voice
from voiceclone.realtime.errors import ServiceBusy
from voiceclone.store import Store
from voiceclone.workers.voice_loading import VoiceLoader, VoiceRef

DEFAULT_MAX_STREAMS = 4  # concurrent real-time syntheses per worker (the GPU is shared with its job loop)


@dataclass
class Speaker:
    """A voice ready to speak: its engine, its registry row, the engine's voice and its default language."""

    voice_id: str
    spec: EngineSpec
    engine: Engine
    voice: Any
    language: str
    sample_rate: int
    reference: Any = None  # the voice's speaker embedding (workers.voice_loading), for the quality report


@dataclass
class SynthesisBackend:
    registry: EngineRegistry
    voices: VoiceLoader
    max_streams: int = DEFAULT_MAX_STREAMS
    _slots: threading.BoundedSemaphore = field(init=False)

    def __post_init__(self) -> None:
        self._slots = threading.BoundedSemaphore(self.max_streams)

    @classmethod
    def of_handler(cls, handler: Any, max_streams: int = DEFAULT_MAX_STREAMS) -> SynthesisBackend:
        """The backend of a synth worker's handler: its registry and its voice loader (and cache)."""
        return cls(handler.registry, handler.voices, max_streams)

    def served(self) -> list[str]:
        return [str(model_type) for model_type in self.registry.served_model_types()]

    def take_slot(self) -> None:
        """One synthesis slot, or 503 ServiceBusy at once (a client retries; nothing queues unseen)."""
        if not self._slots.acquire(blocking=False):
            raise ServiceBusy(f"all {self.max_streams} real-time synthesis slots of this worker are busy; retry shortly")

    def release_slot(self) -> None:
        self._slots.release()

    def check_voice(self, store: Store, user_id: str, voice_id: str) -> tuple[Any, EngineSpec]:
        """The voice record (own or public, ready) and its registry row; refusals as for jobs."""
        record = store.voices.get_usable(user_id, voice_id)  # NotFound (404) hides others' private voices
        spec = spec_of(record.model_type)
        if spec is None or str(spec.model_type) not in self.served():
            served = ", ".join(self.served())
            raise InvalidInput(
                f"voice '{voice_id}' has model type {record.model_type}, which real-time speech does not serve "
                f"(it serves {served}); use POST /api/tts/generate"
            )
        return record, spec

    def speaker(self, user_id: str, record: Any, spec: EngineSpec) -> Speaker:
        """Loads (or finds in the worker's cache) the voice; blocking, run it off the event loop."""
        engine = self.registry.engine_for(record.model_type)
        ref = VoiceRef(user_id, record.voice_id, str(record.model_type), record.artifact_keys)
        with tempfile.TemporaryDirectory(prefix="voiceclone-realtime-") as work_dir:
            loaded, _hit = self.voices.get(engine, ref, Path(work_dir))
        language = record.languages[0] if record.languages else "en"
        voice = private_voice(engine, loaded.voice)  # concurrent streams and jobs never share generation state
        rate = engine.capabilities(record.model_type).sample_rate
        return Speaker(record.voice_id, spec, engine, voice, language, rate, loaded.reference)
