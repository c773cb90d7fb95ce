"""sweeper Lambda (EventBridge schedule): fail overdue jobs, purge old finished ones
(voiceclone.workflows.sweeper)."""

from functions.orchestration.telemetry import ORCHESTRATION
from voiceclone.config import get_settings
from voiceclone.observability import SCHEDULE_EVENT_ID
from voiceclone.store import get_store
from voiceclone.workflows.starter import sfn_client
from voiceclone.workflows.sweeper import sweep


@ORCHESTRATION.handler(SCHEDULE_EVENT_ID)
def lambda_handler(event, context):
    settings = get_settings()
    return sweep(get_store(settings), settings, sfn_client()).as_dict()
