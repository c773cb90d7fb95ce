"""GPU job messages: what the state machines put on the SQS queues and what the workers answer.

A message body is JSON: {"task_token", "job_id", "user_id", "kind": "train"|"synthesize", "payload"}.
The state machine builds it with `"task_token.$": "$$.Task.Token"`; the worker answers the token with
`SendTaskSuccess(output=<TrainResult|SynthResult as JSON>)` or `SendTaskFailure(error, cause)`.
Parse a body with `parse_job_message(body)`; it raises `pydantic.ValidationError` on a bad one.
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from voiceclone.domain.errors import UserFacingError
from voiceclone.domain.jobs import JobCancelled

# The domain's definitions, one each: model types, fine-tune settings, output formats, voice settings.
from voiceclone.domain.long_form import LanguagePart
from voiceclone.domain.training import FineTuneConfig, ModelType
from voiceclone.domain.tts import OutputFormat, VoiceSettings
from voiceclone.domain.voices import PROVIDER_VOICE_ARTIFACT
from voiceclone.engines.base import BadInput, EngineError, ModelUnavailable


class BadJobMessage(UserFacingError):
    """A body that does not parse, or a job on the wrong queue: a bug in whoever sent it. The worker
    reports it (SendTaskFailure) and drops the message."""

    error_name = "BadJobMessage"


# Failure error names a worker sends with SendTaskFailure (the state machines' Catch may match them),
# each the `error_name` of its class, which marks it user-facing.
ERROR_CANCELLED = JobCancelled.error_name  # the user cancelled, or the execution stopped (heartbeat refused)
ERROR_BAD_MESSAGE = BadJobMessage.error_name
ERROR_BAD_INPUT = BadInput.error_name  # the job's input cannot work (no usable clip, unknown voice...)
ERROR_MODEL_UNAVAILABLE = ModelUnavailable.error_name  # base model or ASR model not configured/present
ERROR_WORKER = EngineError.error_name  # anything else; the cause says what


class _Message(BaseModel):
    # Unknown fields are ignored so the state machine may pass whole records through.
    model_config = ConfigDict(extra="ignore", frozen=True)


class TrainClip(_Message):
    """One enhanced clip in the samples bucket (`prepared/{user_id}/{job_id}/{sample_id}/clip_NNN.wav`)."""

    key: str = Field(min_length=1)
    duration_s: float = Field(gt=0)
    transcript: str | None = Field(None, description="None or empty: the worker transcribes it (ASR)")
    language: str = "en"


class TrainPayload(_Message):
    voice_id: str = Field(min_length=1)
    model_type: ModelType = ModelType.XTTS_V2
    config: FineTuneConfig = FineTuneConfig()
    clips: list[TrainClip] = Field(min_length=1)


class _Speech(_Message):
    """What to speak and where the file goes: the fields every TTS step payload has."""

    voice_id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    language: str = "en"
    voice_settings: VoiceSettings = VoiceSettings()
    output_format: OutputFormat = OutputFormat.MP3
    output_key: str = Field(min_length=1, description="key in the outputs bucket: tts/{user_id}/{job_id}.{ext}")


class SynthPayload(_Speech):
    """A GPU synthesis: the payload of the SynthMessage."""

    model_type: ModelType = ModelType.XTTS_V2_INSTANT
    # Artifact name -> key in the models bucket, as TrainResult.artifact_keys returned them.
    voice_artifact_keys: dict[str, str] = Field(min_length=1)
    # Runs of the text in other languages than `language` (detected at the API); empty: all in `language`.
    language_parts: list[LanguagePart] = []
    # A sample of the same user (samples bucket key) whose prosody the voice takes on; None: the voice's own.
    style_sample_key: str | None = None


class RemoteSynthPayload(_Speech):
    """A remote engine's synthesis (the remote-synthesize step): the provider's voice instead of weights."""

    model_type: str = ""  # a remote voice record keeps its engine's name
    voice_artifact_keys: dict[str, str] = Field(default_factory=dict)
    provider_voice_id: str | None = None  # else voice_artifact_keys["provider_voice_id"]
    provider_model: str | None = None
    instructions: str | None = None

    def provider_voice(self) -> str | None:
        return self.provider_voice_id or self.voice_artifact_keys.get(PROVIDER_VOICE_ARTIFACT)


class TrainMessage(_Message):
    task_token: str = Field(min_length=1)
    job_id: str = Field(min_length=1)
    user_id: str = Field(min_length=1)
    kind: Literal["train"] = "train"
    payload: TrainPayload


class SynthMessage(_Message):
    task_token: str = Field(min_length=1)
    job_id: str = Field(min_length=1)
    user_id: str = Field(min_length=1)
    kind: Literal["synthesize"] = "synthesize"
    payload: SynthPayload


class BatchSynthPayload(_Message):
    """One voice group of a TTS batch: the voice, and which items to speak (texts are read from the
    batch record, so a message stays small whatever the texts' length)."""

    voice_id: str = Field(min_length=1)
    model_type: ModelType = ModelType.XTTS_V2_INSTANT
    voice_artifact_keys: dict[str, str] = Field(min_length=1)
    indices: list[int] = Field(min_length=1)


class BatchSynthMessage(_Message):
    task_token: str = Field(min_length=1)
    job_id: str = Field(min_length=1, description="the batch id")
    user_id: str = Field(min_length=1)
    kind: Literal["synthesize_batch"] = "synthesize_batch"
    payload: BatchSynthPayload


JobMessage = Annotated[TrainMessage | SynthMessage | BatchSynthMessage, Field(discriminator="kind")]
_job_message = TypeAdapter(JobMessage)


def parse_job_message(body: str | bytes) -> TrainMessage | SynthMessage | BatchSynthMessage:
    """Parses an SQS body; raises pydantic.ValidationError with a readable message when it is bad."""
    return _job_message.validate_json(body)


class TrainResult(_Message):
    """SendTaskSuccess output of a train job: register-voice stores artifact_keys on the voice."""

    voice_id: str
    model_type: ModelType
    artifact_keys: dict[str, str]  # e.g. {"conditioning": "voices/u/v/conditioning.pt", "gpt": ".../gpt.pth"}
    language: str
    metrics: dict[str, float] = {}
    # voiceclone.quality.report.VoiceQualityReport as JSON, its reference speaker embedding under
    # "reference_embedding"; None from a worker that predates quality reports.
    quality: dict[str, Any] | None = None


class SynthResult(_Message):
    """SendTaskSuccess output of a synthesize job: finalize-tts records it on the tts job."""

    output_key: str
    output_format: OutputFormat
    duration_s: float
    sample_rate: int
    size_bytes: int
    metrics: dict[str, float] = {}
    quality: dict[str, Any] | None = None  # voiceclone.quality.report.ResultQuality as JSON


class BatchSynthResult(_Message):
    """SendTaskSuccess output of a batch group: each item's outcome is in the batch record already."""

    spoken: int
    failed: int
    skipped: int = Field(description="items that had ended (cancelled) before their turn")
    metrics: dict[str, float] = {}
