"""sweeper (scheduled): no job stays pending/processing past its deadline, no finished job lives forever.

- A job past its deadline whose execution is not running (never started, ended, or unknown to Step
  Functions) is failed with a message through fail-job's path (voice failed, characters refunded).
  A running execution is left to its own timeouts (TimeoutSeconds on every GPU task).
- A sample still `analyzing` past `sample_analysis_timeout_s` (its analysis Lambda timed out or ran out
  of memory, and AWS dropped the event after its retries) is rejected with a reason to upload again.
- Finished jobs (completed, failed, cancelled) older than the retention period are purged with
  their objects (TTS output; training scratch clips and checkpoints; the voice keeps its artifacts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from voiceclone import blobs
from voiceclone.config import Settings
from voiceclone.domain.errors import InvalidTransition
from voiceclone.domain.samples import SampleStatus
from voiceclone.domain.timeutil import utcnow
from voiceclone.store import Store
from voiceclone.workflows import batch as batch_steps
from voiceclone.workflows import failure
from voiceclone.workflows.errors import DeadlineExceeded
from voiceclone.workflows.events import CaughtError

logger = Logger(service="voiceclone")

DEADLINE_ERROR = DeadlineExceeded.__name__
RUNNING = "RUNNING"


@dataclass
class SweepReport:
    failed: list[str] = field(default_factory=list)
    still_running: list[str] = field(default_factory=list)
    purged: list[str] = field(default_factory=list)
    rejected_samples: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "failed": self.failed,
            "still_running": self.still_running,
            "purged": self.purged,
            "rejected_samples": self.rejected_samples,
        }


def execution_status(sfn: Any, execution_arn: str | None) -> str:
    """RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED; NONE when there is no such execution."""
    if not execution_arn:
        return "NONE"
    try:
        return sfn.describe_execution(executionArn=execution_arn)["status"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("ExecutionDoesNotExist", "ResourceNotFound"):
            return "NONE"
        raise


def _deadline_message(deadline: datetime | None, execution: str) -> str:
    when = deadline.strftime("%Y-%m-%d %H:%M UTC") if deadline else "its deadline"
    how = "never started" if execution == "NONE" else f"ended {execution.lower()}"
    return f"the job did not finish by {when} and its workflow {how}; please try again"


def fail_overdue_jobs(store: Store, settings: Settings, sfn: Any, now: datetime, report: SweepReport) -> None:
    for kind, jobs in (("training", store.training), ("tts", store.tts)):
        for job in jobs.list_past_deadline(now, limit=500):
            execution = execution_status(sfn, job.execution_arn)
            if execution == RUNNING:
                report.still_running.append(job.job_id)
                continue
            error = CaughtError(error=DEADLINE_ERROR, cause=_deadline_message(job.deadline_at, execution))
            outcome = failure.fail_job(store, settings, kind, job.user_id, job.job_id, error)
            if outcome["status"] == "failed":
                report.failed.append(job.job_id)
    for batch in store.batches.list_past_deadline(now, limit=500):
        execution = execution_status(sfn, batch.execution_arn)
        if execution == RUNNING:
            report.still_running.append(batch.batch_id)
            continue
        error = CaughtError(error=DEADLINE_ERROR, cause=_deadline_message(batch.deadline_at, execution))
        if batch_steps.fail(store, settings, batch.user_id, batch.batch_id, error)["status"] == "failed":
            report.failed.append(batch.batch_id)


STUCK_ANALYSIS_REASON = "the analysis of this file did not finish; please upload it again"


def reject_stuck_samples(store: Store, settings: Settings, now: datetime, report: SweepReport) -> None:
    before = now - timedelta(seconds=settings.sample_analysis_timeout_s)
    for sample in store.samples.list_stuck_analyzing(before):
        try:
            store.samples.mark_analyzed(
                sample.user_id, sample.sample_id, status=SampleStatus.REJECTED, reasons=[STUCK_ANALYSIS_REASON]
            )
        except InvalidTransition:
            continue  # the analysis finished after all
        report.rejected_samples.append(sample.sample_id)


def purge_finished_jobs(store: Store, settings: Settings, now: datetime, report: SweepReport) -> None:
    cutoff = now - timedelta(days=settings.job_retention_days)
    for job in store.tts.list_finished_before(cutoff, limit=500):
        if job.output_key:
            blobs.delete_object(settings.outputs_bucket, job.output_key)
        store.tts.purge(job.user_id, job.job_id)
        report.purged.append(job.job_id)
    for training in store.training.list_finished_before(cutoff, limit=500):
        blobs.delete_prefix(settings.samples_bucket, blobs.prepared_prefix(training.user_id, training.job_id))
        blobs.delete_prefix(settings.models_bucket, blobs.checkpoint_prefix(training.user_id, training.job_id))
        store.training.purge(training.user_id, training.job_id)
        report.purged.append(training.job_id)
    for finished_batch in store.batches.list_finished_before(cutoff, limit=500):
        batch_steps.purge(store, settings, finished_batch)
        report.purged.append(finished_batch.batch_id)


def sweep(store: Store, settings: Settings, sfn: Any, now: datetime | None = None) -> SweepReport:
    now = now or utcnow()
    report = SweepReport()
    fail_overdue_jobs(store, settings, sfn, now, report)
    reject_stuck_samples(store, settings, now, report)
    purge_finished_jobs(store, settings, now, report)
    logger.info("sweep done", extra=report.as_dict())
    return report
