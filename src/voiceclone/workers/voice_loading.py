"""A voice's artifacts from the models bucket loaded into its engine, through the worker's voice cache.

Shared by the synth worker's jobs and the real-time service (`voiceclone.realtime`) that runs beside it
in the same container, so both use one cache of loaded voices.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from voiceclone.config import Settings
from voiceclone.engines.base import BadInput, Engine
from voiceclone.quality.reference import read_reference
from voiceclone.store.reconciliation import VOICE_FILES_MISSING
from voiceclone.workers.storage_errors import is_missing
from voiceclone.workers.voice_cache import VoiceCache

logger = logging.getLogger(__name__)


class VoiceFilesMissing(BadInput):
    """An artifact of the voice is not in the models bucket: the voice cannot speak any more."""


@dataclass
class LoadedVoice:
    """An engine's voice and its reference speaker embedding (None: made before quality reports)."""

    voice: Any
    reference: tuple[str, list[float]] | None

    @property
    def nbytes(self) -> int:
        return int(getattr(self.voice, "nbytes", 0))


@dataclass(frozen=True)
class VoiceRef:
    """Which voice to load for whom: the caller, the voice id, its model type and its artifact keys."""

    user_id: str
    voice_id: str
    model_type: str
    artifact_keys: Mapping[str, str]

    def cache_key(self) -> Hashable:
        return (self.user_id, self.voice_id, self.model_type, tuple(sorted(self.artifact_keys.items())))


class VoiceLoader:
    def __init__(
        self,
        settings: Settings,
        s3: Any,
        cache: VoiceCache,
        voice_files_missing: Callable[[str], None] | None = None,
    ):
        self.settings, self.s3, self.cache = settings, s3, cache
        # Called with the voice id when its artifacts are gone (build_worker marks the voice failed).
        self.voice_files_missing = voice_files_missing

    def get(self, engine: Engine, voice: VoiceRef, work_dir: Path) -> tuple[LoadedVoice, bool]:
        """The loaded voice and whether the cache had it; artifacts are downloaded into `work_dir`."""
        loaded, hit = self.cache.get_or_load(voice.cache_key(), lambda: self._load(engine, voice, work_dir))
        return loaded, hit

    def _load(self, engine: Engine, voice: VoiceRef, work_dir: Path) -> LoadedVoice:
        folder = work_dir / "voice"
        folder.mkdir(parents=True, exist_ok=True)
        files = {}
        for name, key in voice.artifact_keys.items():
            files[name] = folder / Path(key).name
            try:
                self.s3.download_file(self.settings.models_bucket, key, str(files[name]))
            except ClientError as error:
                if not is_missing(error):
                    raise
                logger.warning("voice %s: artifact s3://%s/%s is missing", voice.voice_id, self.settings.models_bucket, key)
                if self.voice_files_missing is not None:
                    self.voice_files_missing(voice.voice_id)
                raise VoiceFilesMissing(VOICE_FILES_MISSING) from error
        return LoadedVoice(engine.load_voice(voice.model_type, files), read_reference(files))
