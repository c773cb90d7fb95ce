"""fail-job Lambda: every error of both state machines ends here (voiceclone.workflows.failure)."""

from voiceclone.config import get_settings
from voiceclone.store import get_store
from voiceclone.workflows.events import FailJobEvent
from voiceclone.workflows.failure import fail_job


def lambda_handler(event, context):
    step = FailJobEvent.model_validate(event)
    settings = get_settings()
    return fail_job(get_store(settings), settings, step.kind, step.user_id, step.job_id, step.error)
