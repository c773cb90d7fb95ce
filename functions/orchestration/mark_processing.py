"""mark-processing Lambda: first step of both state machines (voiceclone.workflows.processing)."""

from voiceclone.config import get_settings
from voiceclone.store import get_store
from voiceclone.workflows.events import StepEvent
from voiceclone.workflows.processing import mark_processing


def lambda_handler(event, context):
    step = StepEvent.model_validate(event)
    settings = get_settings()
    return mark_processing(get_store(settings), settings, step.kind, step.user_id, step.job_id)
