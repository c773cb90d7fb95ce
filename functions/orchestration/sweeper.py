"""sweeper Lambda (EventBridge schedule): fail overdue jobs, purge old finished ones
(voiceclone.workflows.sweeper), then refresh engine_status (voiceclone.workflows.engine_status)."""

import logging

from functions.orchestration.telemetry import ORCHESTRATION
from voiceclone import blobs
from voiceclone.config import get_settings
from voiceclone.observability import SCHEDULE_EVENT_ID
from voiceclone.store import get_store
from voiceclone.workflows.engine_status import refresh_engine_status
from voiceclone.workflows.starter import sfn_client
from voiceclone.workflows.sweeper import sweep

logger = logging.getLogger(__name__)


@ORCHESTRATION.handler(SCHEDULE_EVENT_ID)
def lambda_handler(event, context):
    settings = get_settings()
    store = get_store(settings)
    report = sweep(store, settings, sfn_client()).as_dict()
    try:  # an engine check that fails must not fail the sweep: the listing then shows the older check
        report["engines"] = refresh_engine_status(store, settings, blobs.s3_client())
    except Exception:
        logger.exception("engine status not refreshed")
    return report
