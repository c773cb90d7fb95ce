"""fail-job: where every error of a state machine ends. The job ends `failed` with a message a user can
read (or stays `cancelled`), the voice of a failed training is marked failed, a TTS job's characters
are refunded and any output it wrote is removed. Safe to retry: every write is conditional or idempotent.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger

from voiceclone import blobs
from voiceclone.config import Settings
from voiceclone.domain.errors import InvalidTransition
from voiceclone.domain.jobs import JobStatus
from voiceclone.domain.timeutil import month_key
from voiceclone.domain.training import TrainingJob
from voiceclone.domain.voices import VoiceStatus
from voiceclone.store import Store
from voiceclone.workflows.errors import user_facing_error_names
from voiceclone.workflows.events import CaughtError

logger = Logger(service="voiceclone")

MAX_MESSAGE_CHARS = 1000
CANCELLED_MESSAGE = "cancelled by the user"
INTERNAL_ERROR_MESSAGE = (
    "an internal error stopped the job ({error_type}); it is logged for the operators: please try again"
)
# Step Functions' own error names, said plainly.
STATES_ERRORS = {
    "States.Timeout": "the worker did not finish or report in time (timed out); please try again",
    "States.HeartbeatTimeout": "the worker stopped reporting progress (heartbeat timeout); please try again",
    "States.TaskFailed": "a workflow step failed",
    "States.Permissions": "the workflow lacks a permission (an operator must fix the deployment)",
    "States.Runtime": "the workflow hit an internal error",
}


def failure_message(error: CaughtError) -> str:
    """A readable message from a caught error: a Lambda's errorMessage, a worker's cause, or the name."""
    name, cause = error.error, (error.cause or "").strip()
    message, error_type = cause, name
    if cause.startswith("{"):
        try:
            parsed = json.loads(cause)
            message = str(parsed.get("errorMessage") or "").strip()
            error_type = str(parsed.get("errorType") or name)
        except ValueError:
            pass
    if name in STATES_ERRORS:
        text = f"{STATES_ERRORS[name]}: {message}" if message else STATES_ERRORS[name]
    elif not message:
        text = f"the job failed ({name}) without further detail"
    elif error_type in user_facing_error_names():
        text = message
    else:  # a bug or a service error: its text (botocore's, a traceback's) is for the log, not the user
        logger.warning("an internal error ended a job", extra={"error_type": error_type, "detail": message[:2000]})
        text = INTERNAL_ERROR_MESSAGE.format(error_type=error_type)
    return text[:MAX_MESSAGE_CHARS]


def fail_job(store: Store, settings: Settings, kind: str, user_id: str, job_id: str, error: CaughtError) -> dict[str, Any]:
    jobs = store.training if kind == "training" else store.tts
    message = failure_message(error)
    job = jobs.find(user_id, job_id)
    if job is None:
        logger.warning("fail-job for a job that does not exist", extra={"job_id": job_id, "reason": message})
        return {"status": "missing", "message": f"{kind} job '{job_id}' no longer exists"}
    if job.status in (JobStatus.PENDING, JobStatus.PROCESSING):
        try:
            job = jobs.transition(user_id, job_id, JobStatus.FAILED, error_message=message, stage="failed")
        except InvalidTransition:
            job = jobs.get(user_id, job_id)  # cancelled (or completed) in between: that status stands
    status = str(job.status)
    if job.status == JobStatus.CANCELLED:
        message = job.error_message or CANCELLED_MESSAGE
    elif job.status == JobStatus.FAILED:
        message = job.error_message or message
    if job.status in (JobStatus.FAILED, JobStatus.CANCELLED):
        if isinstance(job, TrainingJob):
            _abandon_voice(store, settings, user_id, job, message)
        else:
            store.users.refund_characters(user_id, job_id, job.characters, month_key(job.created_at))
            # A worker that saw the cancel only after its upload leaves the file behind.
            blobs.delete_object(settings.outputs_bucket, blobs.tts_output_key(user_id, job_id, str(job.output_format)))
            # A long text's finished sentences (workers.checkpoints.S3SentenceCheckpoints) are of no use now.
            blobs.delete_prefix(settings.models_bucket, blobs.checkpoint_prefix(user_id, job_id))
    logger.info("job ended", extra={"job_id": job_id, "status": status, "error": error.error, "reason": message})
    return {"status": status, "message": message}


def _abandon_voice(store: Store, settings: Settings, user_id: str, job: TrainingJob, message: str) -> None:
    """The voice of a training that did not complete: failed, its artifacts and scratch objects removed."""
    if not job.voice_id:
        return
    voice = store.voices.find(user_id, job.voice_id)
    if voice is not None and voice.status == VoiceStatus.TRAINING:
        try:
            store.voices.mark_failed(user_id, job.voice_id, message)
        except InvalidTransition:
            pass  # the API's cancel marked it already
    for bucket, prefix in (
        (settings.models_bucket, blobs.voice_prefix(user_id, job.voice_id)),
        (settings.models_bucket, blobs.checkpoint_prefix(user_id, job.job_id)),
        (settings.samples_bucket, blobs.prepared_prefix(user_id, job.job_id)),
    ):
        blobs.delete_prefix(bucket, prefix)
