"""register-voice Lambda: last step of training (voiceclone.workflows.completion)."""

from voiceclone.config import get_settings
from voiceclone.store import get_store
from voiceclone.workflows.completion import register_voice
from voiceclone.workflows.events import RegisterVoiceEvent


def lambda_handler(event, context):
    step = RegisterVoiceEvent.model_validate(event)
    settings = get_settings()
    return register_voice(get_store(settings), settings, step.user_id, step.job_id, step.result)
