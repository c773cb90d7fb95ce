"""Errors the orchestration steps raise; their class names are what Step Functions' Catch sees.

Which failures a user may read as they are is marked on the classes (`UserFacingError`), not listed
here: `user_facing_error_names()` collects every subclass's class name and worker `error_name`. The
modules imported below define the user-facing errors that reach a state machine, from a step or a worker.
"""

from __future__ import annotations

# Imported for their user-facing error classes (all light: no numpy, no boto3).
import voiceclone.domain.audio_errors  # enhance-sample's NotAudio, TooLong...
import voiceclone.domain.jobs  # JobCancelled
import voiceclone.engines.base  # a worker's BadInput, ModelUnavailable, WorkerError
import voiceclone.engines.remote.errors  # ProviderError, ProviderTimeout, ProviderAudioInvalid
import voiceclone.workers.messages  # noqa: F401  # BadJobMessage
from voiceclone.domain.errors import UserFacingError


class WorkflowError(UserFacingError):
    """A step cannot go on; the message is what the user reads on the failed job."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class JobNotRunnable(WorkflowError):
    """The job's inputs are gone or unusable (a sample or voice deleted meanwhile)."""


class EngineNotAvailable(WorkflowError):
    """The job's engine is not deployed here."""


class DeadlineExceeded(WorkflowError):
    """The job outlived its deadline (the sweeper fails it, naming the execution's state)."""


def user_facing_error_names() -> frozenset[str]:
    """Error names whose message is written for users: every UserFacingError subclass, by class name
    and by the `error_name` a worker reports it under. Read at each call, so a class defined later counts."""
    names: set[str] = set()
    pending: list[type[UserFacingError]] = list(UserFacingError.__subclasses__())
    while pending:
        cls = pending.pop()
        names.update(name for name in (cls.__name__, cls.error_name) if name)
        pending.extend(cls.__subclasses__())
    return frozenset(names)
