"""fail-job Lambda: every error of both state machines ends here (voiceclone.workflows.failure)."""

from functions.orchestration.telemetry import ORCHESTRATION, job_engine
from voiceclone.config import get_settings
from voiceclone.observability import STEP_JOB_ID, MetricName
from voiceclone.store import get_store
from voiceclone.workflows.events import FailJobEvent
from voiceclone.workflows.failure import fail_job


@ORCHESTRATION.handler(STEP_JOB_ID)
def lambda_handler(event, context):
    step = FailJobEvent.model_validate(event)
    settings = get_settings()
    store = get_store(settings)
    answer = fail_job(store, settings, step.kind, step.user_id, step.job_id, step.error)
    if answer["status"] == "failed":  # a cancelled job is not a failure
        engine = job_engine(store, step.kind, step.user_id, step.job_id)
        ORCHESTRATION.emit_job(MetricName.JOBS_FAILED, step.kind, engine)
    return answer
