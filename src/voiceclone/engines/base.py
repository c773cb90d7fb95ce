"""The speech-engine interface every engine implements (XTTS now, others later).

Light on purpose: importing it pulls no torch or numpy, so the registry can describe engines anywhere.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, ConfigDict

from voiceclone.domain.errors import UserFacingError

# What a fine-tune runs with; defined in the domain (the train message carries it), part of this interface.
from voiceclone.domain.training import FineTuneConfig
from voiceclone.domain.tts import VoiceSettings

if TYPE_CHECKING:
    import numpy as np

# Reports how far a long task is (0..1) and the stage it is in; it may raise to stop the task.
ProgressCallback = Callable[[float, str], None]


class EngineError(UserFacingError):
    """Base of the errors an engine raises; `error_name` is what a worker reports to Step Functions."""

    error_name = "WorkerError"


class BadInput(EngineError):
    """The job's input cannot work (no usable clip, unsupported language...); the message says why."""

    error_name = "BadInput"


class ModelUnavailable(EngineError):
    """A model the job needs (base weights, ASR) is not configured or not in place."""

    error_name = "ModelUnavailable"


# A progress callback raises voiceclone.domain.jobs.JobCancelled when the user cancelled: stop now, keep nothing.
class StopRequested(Exception):
    """Raised through a progress callback: the worker is shutting down; checkpoint, then stop."""


class Capabilities(BaseModel):
    model_config = ConfigDict(frozen=True)

    instant_clone: bool
    fine_tune: bool
    streaming: bool
    languages: tuple[str, ...]
    sample_rate: int
    max_characters_per_request: int


@dataclass(frozen=True)
class TrainingClip:
    """One enhanced clip on local disk; transcript None when the user gave none (ASR fills it)."""

    path: Path
    duration_s: float
    language: str
    transcript: str | None = None


@dataclass
class VoiceArtifacts:
    """What create_voice produced: artifact name -> local file, plus figures worth recording."""

    files: dict[str, Path]
    language: str
    metrics: dict[str, float] = field(default_factory=dict)


class CheckpointStore(Protocol):
    """Where a fine-tune keeps its checkpoints so a redelivered job resumes (S3 in the workers)."""

    def latest(self) -> Path | None:
        """The newest checkpoint as a local file, or None when there is none."""

    def save(self, path: Path, step: int) -> None:
        """Keeps the checkpoint written at `path` (older ones may be dropped)."""


@dataclass
class Audio:
    samples: np.ndarray  # float32, mono, -1..1
    sample_rate: int

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


class Engine(ABC):
    """A speech engine: makes voices from samples and speaks text in them."""

    name: str

    @abstractmethod
    def capabilities(self, model_type: str) -> Capabilities: ...

    @abstractmethod
    def create_voice(
        self,
        model_type: str,
        clips: Sequence[TrainingClip],
        config: FineTuneConfig,
        progress: ProgressCallback,
        work_dir: Path,
        checkpoints: CheckpointStore | None = None,
    ) -> VoiceArtifacts: ...

    @abstractmethod
    def load_voice(self, model_type: str, artifacts: Mapping[str, Path]) -> Any: ...

    @abstractmethod
    def synthesize(self, text: str, voice: Any, language: str, settings: VoiceSettings) -> Audio: ...

    def synthesize_many(self, texts: Sequence[str], voice: Any, language: str, settings: VoiceSettings) -> list[Audio]:
        """Several texts in one voice, language and settings; engines that batch model passes override it."""
        return [self.synthesize(text, voice, language, settings) for text in texts]

    @abstractmethod
    def stream(self, text: str, voice: Any, language: str, settings: VoiceSettings) -> Iterator[np.ndarray]:
        """Audio chunks (float32 at capabilities().sample_rate) as soon as each is ready."""
