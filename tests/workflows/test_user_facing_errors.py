"""User-facing errors are marked on their classes; fail-job shows their messages, hides the others'."""

from __future__ import annotations

import json
import subprocess
import sys

from voiceclone.audio.errors import NotAudio, TooLong
from voiceclone.domain.errors import SamplesNotUsable, UserFacingError
from voiceclone.domain.jobs import JobCancelled
from voiceclone.engines.base import BadInput, ModelUnavailable
from voiceclone.engines.remote.errors import ProviderAudioInvalid, ProviderError, ProviderTimeout
from voiceclone.workers import messages
from voiceclone.workflows.errors import (
    DeadlineExceeded,
    EngineNotAvailable,
    JobNotRunnable,
    WorkflowError,
    user_facing_error_names,
)
from voiceclone.workflows.events import CaughtError
from voiceclone.workflows.failure import failure_message
from voiceclone.workflows.sweeper import DEADLINE_ERROR


def _lambda_failure(error_type: str, message: str) -> CaughtError:
    """What a Catch hands fail-job when a Lambda step raised `error_type`."""
    return CaughtError(Error=error_type, Cause=json.dumps({"errorType": error_type, "errorMessage": message}))


def test_every_error_that_reaches_a_state_machine_with_a_message_for_users_is_marked():
    names = user_facing_error_names()
    for cls in (JobCancelled, JobNotRunnable, EngineNotAvailable, DeadlineExceeded, BadInput, ModelUnavailable,
                ProviderError, ProviderTimeout, ProviderAudioInvalid, NotAudio, TooLong, SamplesNotUsable):
        assert issubclass(cls, UserFacingError)
        assert cls.__name__ in names
    # the names workers report with SendTaskFailure, and the sweeper's
    worker_names = {messages.ERROR_CANCELLED, messages.ERROR_BAD_MESSAGE, messages.ERROR_BAD_INPUT,
                    messages.ERROR_MODEL_UNAVAILABLE, messages.ERROR_WORKER}
    assert worker_names == {"Cancelled", "BadJobMessage", "BadInput", "ModelUnavailable", "WorkerError"}
    assert worker_names <= names
    assert DEADLINE_ERROR == "DeadlineExceeded" and DEADLINE_ERROR in names


def test_errors_not_marked_stay_in_the_log():
    assert {"KeyError", "ClientError", "ValueError", "ValidationError"}.isdisjoint(user_facing_error_names())
    hidden = failure_message(_lambda_failure("KeyError", "'voice_id'"))
    assert "voice_id" not in hidden and hidden.startswith("an internal error stopped the job (KeyError)")


def test_a_new_user_facing_class_is_picked_up_without_editing_a_list():
    assert "SpeakerVanished" not in user_facing_error_names()
    before = failure_message(_lambda_failure("SpeakerVanished", "the speaker left the building"))
    assert before.startswith("an internal error stopped the job (SpeakerVanished)")

    class SpeakerVanished(WorkflowError):
        """A step's new error: its class is all it takes."""

    class GpuOnFire(UserFacingError):
        error_name = "GpuOnFire"  # a worker's new failure name

    assert {"SpeakerVanished", "GpuOnFire"} <= user_facing_error_names()
    shown = failure_message(_lambda_failure("SpeakerVanished", "the speaker left the building"))
    assert shown == "the speaker left the building"
    worker = failure_message(CaughtError(Error=GpuOnFire.error_name, Cause="the GPU overheated; try again later"))
    assert worker == "the GPU overheated; try again later"


def test_fail_job_knows_the_audio_errors_without_numpy():
    """fail-job runs in the light zip: the audio errors it must recognise come without the audio stack."""
    probe = (
        "import sys; from voiceclone.workflows.errors import user_facing_error_names; "
        "assert 'NotAudio' in user_facing_error_names() and 'ProviderTimeout' in user_facing_error_names(); "
        "print(sorted(m for m in ('numpy', 'scipy', 'soundfile', 'torch') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
