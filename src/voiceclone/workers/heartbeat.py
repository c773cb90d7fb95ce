"""Keeps a job alive while it runs and notices when it should stop.

Every `interval_s`: extend the SQS message's visibility, SendTaskHeartbeat, and read the job's status.
A refused heartbeat (execution stopped or timed out) or a `cancelled` status marks the job cancelled.
Both checks are needed: moto's StopExecution leaves heartbeats accepted (see docs/workflows.md).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Self

from botocore.exceptions import BotoCoreError, ClientError

from voiceclone.workers.tracking import JobTracker

logger = logging.getLogger(__name__)

# Step Functions answers these when the execution no longer waits for the token.
TOKEN_GONE = {"TaskTimedOut", "TaskDoesNotExist", "InvalidToken", "ExecutionDoesNotExist"}
STOP_STATUSES = {"cancelled", "failed", "completed"}
GONE_RETRIES = 3
GONE_RETRY_S = 0.5


class Heartbeat:
    def __init__(
        self,
        *,
        sqs,
        sfn,
        tracker: JobTracker,
        queue_url: str,
        receipt_handle: str,
        task_token: str,
        kind: str,
        user_id: str,
        job_id: str,
        interval_s: float,
        visibility_timeout_s: int,
        on_beat: Callable[[], None] | None = None,
    ):
        self.sqs, self.sfn, self.tracker = sqs, sfn, tracker
        self.queue_url, self.receipt_handle, self.task_token = queue_url, receipt_handle, task_token
        self.kind, self.user_id, self.job_id = kind, user_id, job_id
        self.interval_s, self.visibility_timeout_s = interval_s, visibility_timeout_s
        self.on_beat = on_beat
        self.cancelled = threading.Event()
        self.reason = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{job_id}", daemon=True)

    def __enter__(self) -> Self:
        self.beat()  # a job cancelled while queued is seen before any work starts
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval_s + 10)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.beat()

    def beat(self) -> None:
        if self.on_beat is not None:
            self.on_beat()
        try:
            self.sqs.change_message_visibility(
                QueueUrl=self.queue_url, ReceiptHandle=self.receipt_handle, VisibilityTimeout=self.visibility_timeout_s
            )
        except (ClientError, BotoCoreError) as error:  # a network blip must not end the heartbeat thread
            logger.warning("job %s: could not extend message visibility: %s", self.job_id, error)
        gone = self._token_gone()
        if gone:
            self._cancel(f"the execution no longer waits for this job ({gone})")
        try:
            status = self.tracker.status(self.kind, self.user_id, self.job_id)
        except Exception:  # a database hiccup must not kill the job; the next beat tries again
            logger.exception("job %s: could not read its status", self.job_id)
            return
        if status is None:
            self._cancel("the job no longer exists")
        elif status in STOP_STATUSES:
            self._cancel(f"the job is {status}")

    def _token_gone(self) -> str | None:
        """The error code when Step Functions refuses the heartbeat for good, else None.

        A refusal is retried briefly: moto registers a task's heartbeat slot only after its message is
        sent, so a worker that beats within milliseconds of receiving it can see InvalidToken once.
        """
        code = ""
        for attempt in range(GONE_RETRIES):
            try:
                self.sfn.send_task_heartbeat(taskToken=self.task_token)
                return None
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code", "")
                if code not in TOKEN_GONE:
                    logger.warning("job %s: heartbeat failed: %s", self.job_id, error)
                    return None
            except BotoCoreError as error:  # no answer at all: try again on the next beat
                logger.warning("job %s: heartbeat failed: %s", self.job_id, error)
                return None
            if attempt + 1 < GONE_RETRIES:
                time.sleep(GONE_RETRY_S)
        return code

    def _cancel(self, reason: str) -> None:
        if not self.cancelled.is_set():
            self.reason = reason
            self.cancelled.set()
            logger.info("job %s: abandoning it: %s", self.job_id, reason)
