"""batch-remote-item Lambda: one item of a batch spoken by a remote engine (voiceclone.workflows.batch.remote_item).

Decodes and normalises the provider's audio (numpy, soundfile): in AWS it runs from the audio image,
as remote-synthesize does."""

from functions.orchestration.telemetry import ORCHESTRATION
from voiceclone.config import get_settings
from voiceclone.observability import STEP_JOB_ID
from voiceclone.store import get_store
from voiceclone.workflows.batch import RemoteItemEvent, remote_item


@ORCHESTRATION.handler(STEP_JOB_ID)
def lambda_handler(event, context):
    settings = get_settings()
    return remote_item(get_store(settings), settings, RemoteItemEvent.model_validate(event))
