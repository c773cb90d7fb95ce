"""register-voice Lambda: last step of training (voiceclone.workflows.completion)."""

from functions.orchestration.telemetry import ORCHESTRATION
from voiceclone.config import get_settings
from voiceclone.observability import STEP_JOB_ID, MetricName
from voiceclone.store import get_store
from voiceclone.workflows.completion import register_voice
from voiceclone.workflows.events import RegisterVoiceEvent


@ORCHESTRATION.handler(STEP_JOB_ID)
def lambda_handler(event, context):
    step = RegisterVoiceEvent.model_validate(event)
    settings = get_settings()
    answer = register_voice(get_store(settings), settings, step.user_id, step.job_id, step.result)
    ORCHESTRATION.emit_job(MetricName.JOBS_COMPLETED, "training", step.result.model_type)
    return answer
