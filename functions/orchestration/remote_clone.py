"""remote-clone Lambda: training's RemoteClone state, a voice cloned at its remote engine (ElevenLabs)
from the enhanced clips (voiceclone.workflows.remote_voices.clone_voice).

Answers the TrainResult register-voice records, as the GPU trainer does. Provider failures become the
workflow's errors (voiceclone.workflows.provider_errors): the provider's message, never the key.
"""

from functions.orchestration.telemetry import ORCHESTRATION
from voiceclone import blobs
from voiceclone.config import get_settings
from voiceclone.observability import STEP_JOB_ID
from voiceclone.workflows.events import RemoteCloneEvent
from voiceclone.workflows.remote_voices import clone_voice


@ORCHESTRATION.handler(STEP_JOB_ID)
def lambda_handler(event, context):
    step = RemoteCloneEvent.model_validate(event)
    return clone_voice(get_settings(), step, blobs.s3_client()).model_dump()
