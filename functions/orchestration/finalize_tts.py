"""finalize-tts Lambda: last step of TTS (voiceclone.workflows.completion)."""

from voiceclone.config import get_settings
from voiceclone.store import get_store
from voiceclone.workflows.completion import finalize_tts
from voiceclone.workflows.events import FinalizeTtsEvent


def lambda_handler(event, context):
    step = FinalizeTtsEvent.model_validate(event)
    return finalize_tts(get_store(get_settings()), step.user_id, step.job_id, step.result)
