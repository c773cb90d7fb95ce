"""The progress callback handed to engines: throttled writes to MongoDB and the place a job stops."""

from __future__ import annotations

import logging
import threading
import time

from voiceclone.domain.jobs import JobCancelled
from voiceclone.engines.base import StopRequested
from voiceclone.workers.tracking import JobTracker

logger = logging.getLogger(__name__)


class ProgressReporter:
    """Call with (fraction 0..1, stage). Raises JobCancelled / StopRequested when the job must stop."""

    def __init__(
        self,
        tracker: JobTracker,
        kind: str,
        user_id: str,
        job_id: str,
        cancelled: threading.Event,
        stopping: threading.Event | None,
        interval_s: float,
    ):
        self.tracker, self.kind, self.user_id, self.job_id = tracker, kind, user_id, job_id
        self.cancelled, self.stopping, self.interval_s = cancelled, stopping, interval_s
        self._last_write = float("-inf")
        self._last_stage: str | None = None
        self.writes = 0

    def __call__(self, fraction: float, stage: str) -> None:
        if self.cancelled.is_set():
            raise JobCancelled(self.job_id)
        if self.stopping is not None and self.stopping.is_set():
            raise StopRequested(self.job_id)
        now = time.monotonic()
        if stage == self._last_stage and now - self._last_write < self.interval_s and fraction < 1.0:
            return
        self._last_write, self._last_stage = now, stage
        try:
            self.tracker.report_progress(self.kind, self.user_id, self.job_id, fraction, stage)
            self.writes += 1
        except Exception:  # progress is informative; never fail a job over it
            logger.exception("job %s: could not record progress", self.job_id)
