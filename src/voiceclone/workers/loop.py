"""The job loop both GPU containers run: receive, heartbeat, run, report.

One message at a time: receive from SQS (long poll), parse, run the handler inside a Heartbeat with a
ProgressReporter and a fresh temporary folder, then answer the task token:
- success: SendTaskSuccess(output = the handler's result) and delete the message;
- a named engine error or any other exception: SendTaskFailure(error name, readable cause), delete
  (an S3 or network failure is said plainly, botocore's text stays in the log);
- cancelled (user or stopped execution): SendTaskFailure("Cancelled"), delete;
- shutdown (SIGTERM) mid-job: the handler checkpoints (trainer) and the message is released
  (visibility 0) for another worker, the token left unanswered so the execution keeps waiting.
"""

from __future__ import annotations

import json
import logging
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar, cast

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ValidationError

from voiceclone import observability
from voiceclone.domain.jobs import JobCancelled
from voiceclone.engines.base import EngineError, StopRequested
from voiceclone.observability import MetricName
from voiceclone.workers.heartbeat import Heartbeat
from voiceclone.workers.messages import (
    ERROR_BAD_MESSAGE,
    ERROR_CANCELLED,
    ERROR_WORKER,
    BatchSynthMessage,
    SynthMessage,
    TrainMessage,
    parse_job_message,
)
from voiceclone.workers.progress import ProgressReporter
from voiceclone.workers.storage_errors import storage_failure_message
from voiceclone.workers.tracking import JobTracker

logger = logging.getLogger(__name__)

MAX_CAUSE = 32_000  # Step Functions caps a failure cause at 32768 characters
MAX_ERROR = 256


@dataclass
class JobContext:
    progress: ProgressReporter
    work_dir: Path


M = TypeVar("M", TrainMessage, SynthMessage)
AnyJobMessage = TrainMessage | SynthMessage | BatchSynthMessage


class JobHandler(Protocol[M]):
    kind: str
    message_type: type[M]  # the messages it runs; any other reaching its queue fails as a bad message
    # (a handler serving several kinds on one queue lists them all as `message_types`)

    def handle(self, message: M, context: JobContext) -> BaseModel: ...


@dataclass(frozen=True)
class LoopSettings:
    queue_url: str
    heartbeat_s: float = 20.0
    visibility_timeout_s: int = 120
    poll_wait_s: int = 20
    progress_interval_s: float = 2.0
    # Trainer: SIGTERM interrupts the job (it checkpoints); synth: the job finishes first.
    interrupt_on_stop: bool = False
    # Touched on every poll and heartbeat: the container HEALTHCHECK reads its age.
    health_file: Path | None = None


class Worker(Generic[M]):
    def __init__(self, handler: JobHandler[M], settings: LoopSettings, *, sqs, sfn, tracker: JobTracker):
        self.handler: JobHandler[M] = handler
        self.settings = settings
        self.sqs, self.sfn, self.tracker = sqs, sfn, tracker
        self.stopping = threading.Event()
        self.outcomes: dict[str, int] = {"succeeded": 0, "failed": 0, "cancelled": 0, "released": 0}
        # Called on every poll and job heartbeat (workers.registration: the engines it serves, in engine_status).
        self.presence: Callable[[], None] | None = None

    def install_signal_handlers(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda signum, _frame: self.request_stop(signal.Signals(signum).name))

    def request_stop(self, why: str = "stop requested") -> None:
        logger.info("worker stopping (%s)", why)
        self.stopping.set()

    def run(self, max_jobs: int | None = None, on_idle: Callable[[], None] | None = None) -> int:
        """Processes messages until stopped (or `max_jobs` handled); returns how many it handled."""
        handled = 0
        logger.info("%s worker polling %s", self.handler.kind, self.settings.queue_url)
        while not self.stopping.is_set() and (max_jobs is None or handled < max_jobs):
            if self.poll_once():
                handled += 1
            elif on_idle is not None:
                on_idle()
        return handled

    def poll_once(self) -> bool:
        """Receives at most one message and handles it; False when the queue had none."""
        self._beat()
        try:
            answer = self.sqs.receive_message(
                QueueUrl=self.settings.queue_url,
                MaxNumberOfMessages=1,
                WaitTimeSeconds=self.settings.poll_wait_s,
                VisibilityTimeout=self.settings.visibility_timeout_s,
                MessageSystemAttributeNames=["SentTimestamp", "ApproximateReceiveCount"],  # queue-wait metric
            )
        except (ClientError, BotoCoreError):  # a network blip must not end the worker
            logger.exception("receive failed; retrying shortly")
            self.stopping.wait(5)
            return False
        messages = answer.get("Messages", [])
        if not messages:
            return False
        self.process(messages[0])
        return True

    def _beat(self) -> None:
        touch(self.settings.health_file)
        (self.presence or _noop)()

    def process(self, raw: dict[str, Any]) -> str:
        """Handles one SQS message end to end; returns the outcome."""
        receipt = raw["ReceiptHandle"]
        try:
            message = parse_job_message(raw["Body"])
        except ValidationError as error:
            return self._reject(raw, receipt, error)
        accepted = getattr(self.handler, "message_types", (self.handler.message_type,))
        if not isinstance(message, accepted):
            self._fail(message.task_token, ERROR_BAD_MESSAGE, f"a {message.kind} job reached the {self.handler.kind} queue")
            return self._finish(receipt, "failed", message.job_id)
        job_type, engine = observability.JOB_TYPE_OF_WORKER_KIND[message.kind], message.payload.model_type
        with observability.job_scope(message.job_id, job_type=job_type, engine=engine):
            self._emit(MetricName.JOBS_STARTED, message)
            attributes = raw.get("Attributes", {})
            if "SentTimestamp" in attributes and attributes.get("ApproximateReceiveCount") == "1":  # not a resume
                waited_s = max(0.0, time.time() - int(attributes["SentTimestamp"]) / 1000)
                self._emit(MetricName.QUEUE_WAIT_SECONDS, message, waited_s, "Seconds")
            outcome = self._run_job(cast(M, message), receipt)
            if outcome in ("succeeded", "failed"):
                self._emit(MetricName.JOBS_COMPLETED if outcome == "succeeded" else MetricName.JOBS_FAILED, message)
            return outcome

    def _emit(self, name: MetricName, message: AnyJobMessage, value: float = 1, unit: str = "Count") -> None:
        service = observability.SERVICE_OF_WORKER_KIND[message.kind]
        job_type = observability.JOB_TYPE_OF_WORKER_KIND[message.kind]
        observability.emit_job(service, name, job_type, message.payload.model_type, value, unit)

    def _run_job(self, message: M, receipt: str) -> str:
        work_dir = Path(tempfile.mkdtemp(prefix=f"{message.job_id}-"))
        heartbeat = Heartbeat(
            sqs=self.sqs,
            sfn=self.sfn,
            tracker=self.tracker,
            queue_url=self.settings.queue_url,
            receipt_handle=receipt,
            task_token=message.task_token,
            kind=message.kind,
            user_id=message.user_id,
            job_id=message.job_id,
            interval_s=self.settings.heartbeat_s,
            visibility_timeout_s=self.settings.visibility_timeout_s,
            on_beat=self._beat,
        )
        progress = ProgressReporter(
            self.tracker,
            message.kind,
            message.user_id,
            message.job_id,
            heartbeat.cancelled,
            self.stopping if self.settings.interrupt_on_stop else None,
            self.settings.progress_interval_s,
        )
        started = time.perf_counter()
        logger.info("job %s (%s) started", message.job_id, message.kind)
        try:
            with heartbeat:
                if heartbeat.cancelled.is_set():
                    raise JobCancelled(message.job_id)
                result = self.handler.handle(message, JobContext(progress, work_dir))
                if heartbeat.cancelled.is_set():  # cancelled during the last step: keep nothing
                    raise JobCancelled(message.job_id)
            self._succeed(message.task_token, result)
            outcome = "succeeded"
        except JobCancelled:
            self._fail(message.task_token, ERROR_CANCELLED, f"Job {message.job_id} was cancelled: {heartbeat.reason}.")
            outcome = "cancelled"
        except StopRequested:
            self._release(receipt, message.job_id)
            return self._count("released", message.job_id, started)
        except EngineError as error:
            self._fail(message.task_token, error.error_name, str(error))
            outcome = "failed"
        except (ClientError, BotoCoreError) as error:
            logger.exception("job %s failed on storage", message.job_id)
            self._fail(message.task_token, ERROR_WORKER, storage_failure_message(error))
            outcome = "failed"
        except Exception as error:
            logger.exception("job %s failed", message.job_id)
            self._fail(message.task_token, ERROR_WORKER, f"{type(error).__name__}: {error}")
            outcome = "failed"
        finally:
            shutil.rmtree(work_dir, ignore_errors=True)
        self._delete(receipt)
        return self._count(outcome, message.job_id, started)

    def _count(self, outcome: str, job_id: str, started: float) -> str:
        self.outcomes[outcome] += 1
        logger.info("job %s %s in %.2f s", job_id, outcome, time.perf_counter() - started)
        return outcome

    def _finish(self, receipt: str, outcome: str, job_id: str) -> str:
        self._delete(receipt)
        return self._count(outcome, job_id, time.perf_counter())

    def _reject(self, raw: dict[str, Any], receipt: str, error: ValidationError) -> str:
        """A body that does not parse: answer its token if it has one, drop the message."""
        cause = f"Bad job message: {error.errors(include_url=False)}"
        logger.error(cause)
        try:
            token = json.loads(raw["Body"]).get("task_token")
        except (ValueError, AttributeError):
            token = None
        if isinstance(token, str) and token:
            self._fail(token, ERROR_BAD_MESSAGE, cause)
        return self._finish(receipt, "failed", "<unparsed>")

    def _succeed(self, token: str, result: BaseModel) -> None:
        try:
            self.sfn.send_task_success(taskToken=token, output=result.model_dump_json())
        except ClientError as error:
            logger.warning("SendTaskSuccess refused (the execution stopped?): %s", error)

    def _fail(self, token: str, error_name: str, cause: str) -> None:
        try:
            self.sfn.send_task_failure(taskToken=token, error=error_name[:MAX_ERROR], cause=cause[:MAX_CAUSE])
        except ClientError as error:
            logger.warning("SendTaskFailure refused (the execution stopped?): %s", error)

    def _delete(self, receipt: str) -> None:
        try:
            self.sqs.delete_message(QueueUrl=self.settings.queue_url, ReceiptHandle=receipt)
        except ClientError:
            logger.exception("could not delete a handled message; it may be delivered again")

    def _release(self, receipt: str, job_id: str) -> None:
        """Back to the queue now, for another worker to resume from the last checkpoint."""
        try:
            self.sqs.change_message_visibility(QueueUrl=self.settings.queue_url, ReceiptHandle=receipt, VisibilityTimeout=0)
        except ClientError:
            logger.exception("job %s: could not release its message; it returns after the visibility timeout", job_id)


def _noop() -> None:
    return None


def touch(path: Path | None) -> None:
    if path is not None:
        try:
            path.touch()
        except OSError:
            logger.warning("cannot touch the health file %s", path)
