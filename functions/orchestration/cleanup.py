"""cleanup Lambda: S3 delete and lifecycle-expiry events -> records marked expired/removed
(voiceclone.workflows.cleanup)."""

from functions.orchestration.telemetry import ORCHESTRATION
from voiceclone.config import get_settings
from voiceclone.observability import S3_OBJECT_KEY
from voiceclone.store import get_store
from voiceclone.workflows.cleanup import handle_event


@ORCHESTRATION.handler(S3_OBJECT_KEY)
def lambda_handler(event, context):
    settings = get_settings()
    return {"outcomes": handle_event(get_store(settings), settings, event)}
