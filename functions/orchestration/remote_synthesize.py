"""remote-synthesize Lambda: TTS through a remote API engine (ElevenLabs, OpenAI, Azure).

Answers the SynthResult finalize-tts records, as the GPU synth worker does; the normalised file is in
the outputs bucket at the payload's output_key. Provider failures become the workflow's errors: no key
or a refused key -> EngineNotAvailable, other 4xx -> JobNotRunnable (the provider's message, never the
key); 429/5xx, timeouts (once the client's retries are spent) and undecodable audio stay ProviderError
(ProviderTimeout, ProviderAudioInvalid), whose message names the provider and its status.
"""

from functions.orchestration.telemetry import ORCHESTRATION
from voiceclone import blobs
from voiceclone.config import get_settings
from voiceclone.engines.remote.errors import ProviderError, ProviderNotConfigured
from voiceclone.engines.remote.keys import load_provider_keys
from voiceclone.engines.remote.speech import UnknownRemoteEngine, client_for
from voiceclone.observability import STEP_JOB_ID
from voiceclone.workflows.engine_status import remote_endpoints
from voiceclone.workflows.errors import JobNotRunnable
from voiceclone.workflows.events import RemoteSynthesizeEvent
from voiceclone.workflows.provider_errors import engine_not_available, workflow_error


@ORCHESTRATION.handler(STEP_JOB_ID)
def lambda_handler(event, context):
    step = RemoteSynthesizeEvent.model_validate(event)
    settings = get_settings()
    try:
        client = client_for(step.engine, load_provider_keys(settings.provider_keys_secret_arn), remote_endpoints(settings))
    except (UnknownRemoteEngine, ProviderNotConfigured) as error:
        raise engine_not_available(step.engine, error) from None
    # numpy and soundfile only from here: the handler still imports in the light zip
    from voiceclone.engines.remote.step import RemoteSynthPayload, synthesize_to_s3

    payload = RemoteSynthPayload.model_validate(step.payload)
    try:
        result = synthesize_to_s3(step.engine, payload, client, blobs.s3_client(), settings.outputs_bucket)
    except ProviderError as error:
        raise workflow_error(error) from None
    except ValueError as error:  # e.g. an ElevenLabs voice without its ElevenLabs voice id
        raise JobNotRunnable(str(error)) from None
    return result.model_dump()

