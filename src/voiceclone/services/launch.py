"""Start a job's workflow; a job whose workflow cannot start ends `failed` with the reason, never stuck."""

from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools import Logger

from voiceclone.domain.errors import InvalidTransition
from voiceclone.domain.jobs import JobStatus
from voiceclone.store.jobs import JobRepository
from voiceclone.workflows.starter import WorkflowStartError, start_execution, stop_execution

logger = Logger(service="voiceclone")


def launch(
    jobs: JobRepository, state_machine_arn: str, user_id: str, job_id: str, on_failure: Callable[[str], None]
):
    """Start the execution named `job_id`; on failure mark the job failed and call `on_failure(message)`."""
    try:
        arn = start_execution(state_machine_arn, job_id, user_id)
    except WorkflowStartError as exc:
        message = str(exc)
        logger.warning("workflow start failed", extra={"job_id": job_id, "reason": message})
        try:
            jobs.transition(user_id, job_id, JobStatus.FAILED, error_message=message)
        except InvalidTransition:
            pass  # already ended (e.g. cancelled meanwhile)
        on_failure(message)
        return jobs.get(user_id, job_id)
    return jobs.set_execution_arn(user_id, job_id, arn)


def cancel(jobs: JobRepository, user_id: str, job_id: str):
    """Mark the job cancelled (atomic: loses cleanly against completion), then stop its execution."""
    job = jobs.transition(user_id, job_id, JobStatus.CANCELLED, error_message="cancelled by the user")
    try:
        stop_execution(job.execution_arn)
    except Exception:  # the job is cancelled already; workers check its status at every heartbeat
        logger.exception("stop_execution failed", extra={"job_id": job_id})
    return job
