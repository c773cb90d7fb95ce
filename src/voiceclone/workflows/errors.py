"""Errors the orchestration steps raise; their class names are what Step Functions' Catch sees.

A cancelled job raises voiceclone.domain.jobs.JobCancelled, the class the workers raise too.
"""

from __future__ import annotations


class WorkflowError(Exception):
    """A step cannot go on; the message is what the user reads on the failed job."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class JobNotRunnable(WorkflowError):
    """The job's inputs are gone or unusable (a sample or voice deleted meanwhile)."""


class EngineNotAvailable(WorkflowError):
    """The job's engine is not deployed here."""


# Error names whose message is written for users; other names get the name in front.
USER_FACING_ERRORS = frozenset(
    {
        "JobCancelled",
        "JobNotRunnable",
        "EngineNotAvailable",
        "Cancelled",
        "BadInput",
        "ModelUnavailable",
        "WorkerError",
        "BadJobMessage",
        "DeadlineExceeded",
        # remote engines: the provider's status and message (never the key), engines.remote.errors
        "ProviderError",
        "ProviderTimeout",
        "ProviderAudioInvalid",
        # voiceclone.audio and domain errors carry messages meant for users
        "NotAudio",
        "CorruptAudio",
        "UnsupportedAudio",
        "EmptyAudio",
        "TooLarge",
        "TooLong",
        "NotFound",
        "SamplesNotUsable",
        "InvalidInput",
    }
)
