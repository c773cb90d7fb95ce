"""remote-synthesize Lambda: TTS through a remote API engine. None is deployed yet: it fails clearly."""

from functions.orchestration.telemetry import ORCHESTRATION
from voiceclone.observability import STEP_JOB_ID
from voiceclone.workflows.errors import EngineNotAvailable
from voiceclone.workflows.events import RemoteSynthesizeEvent


@ORCHESTRATION.handler(STEP_JOB_ID)
def lambda_handler(event, context):
    step = RemoteSynthesizeEvent.model_validate(event)
    raise EngineNotAvailable(f"engine not available: '{step.engine}' is not deployed on this platform yet")
