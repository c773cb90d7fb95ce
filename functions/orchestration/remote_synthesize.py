"""remote-synthesize Lambda: TTS through a remote API engine. None is deployed yet: it fails clearly."""

from voiceclone.workflows.errors import EngineNotAvailable
from voiceclone.workflows.events import RemoteSynthesizeEvent


def lambda_handler(event, context):
    step = RemoteSynthesizeEvent.model_validate(event)
    raise EngineNotAvailable(f"engine not available: '{step.engine}' is not deployed on this platform yet")
