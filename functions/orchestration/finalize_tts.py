"""finalize-tts Lambda: last step of TTS (voiceclone.workflows.completion)."""

from functions.orchestration.telemetry import ORCHESTRATION
from voiceclone.config import get_settings
from voiceclone.observability import STEP_JOB_ID, MetricName
from voiceclone.store import get_store
from voiceclone.workflows.completion import finalize_tts
from voiceclone.workflows.events import FinalizeTtsEvent


@ORCHESTRATION.handler(STEP_JOB_ID)
def lambda_handler(event, context):
    step = FinalizeTtsEvent.model_validate(event)
    store = get_store(get_settings())
    answer = finalize_tts(store, step.user_id, step.job_id, step.result)
    job = store.tts.get(step.user_id, step.job_id)
    ORCHESTRATION.emit_job(MetricName.JOBS_COMPLETED, "tts", job.engine)
    ORCHESTRATION.emit_job(MetricName.CHARACTERS, "tts", job.engine, job.characters)
    if "synthesis_s" in step.result.metrics:
        ORCHESTRATION.emit_job(MetricName.SYNTHESIS_SECONDS, "tts", job.engine, step.result.metrics["synthesis_s"], "Seconds")
    return answer
