"""sweeper Lambda (EventBridge schedule): fail overdue jobs, purge old finished ones
(voiceclone.workflows.sweeper)."""

from voiceclone.config import get_settings
from voiceclone.store import get_store
from voiceclone.workflows.starter import sfn_client
from voiceclone.workflows.sweeper import sweep


def lambda_handler(event, context):
    settings = get_settings()
    return sweep(get_store(settings), settings, sfn_client()).as_dict()
