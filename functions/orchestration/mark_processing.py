"""mark-processing Lambda: first step of both state machines (voiceclone.workflows.processing)."""

from functions.orchestration.telemetry import ORCHESTRATION
from voiceclone.config import get_settings
from voiceclone.observability import STEP_JOB_ID, MetricName
from voiceclone.store import get_store
from voiceclone.workflows.events import StepEvent
from voiceclone.workflows.processing import mark_processing


@ORCHESTRATION.handler(STEP_JOB_ID)
def lambda_handler(event, context):
    step = StepEvent.model_validate(event)
    settings = get_settings()
    job = mark_processing(get_store(settings), settings, step.kind, step.user_id, step.job_id)
    engine = job["engine"] if step.kind == "tts" else job["model_type"]
    ORCHESTRATION.emit_job(MetricName.JOBS_STARTED, step.kind, engine)
    return job
