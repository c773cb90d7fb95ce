"""What the state machines hand the orchestration Lambdas (see definitions.py for where each comes from)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from voiceclone.workers.messages import RemoteSynthPayload, SynthPayload, SynthResult, TrainClip, TrainResult

JobKind = Literal["training", "tts"]


class StepEvent(BaseModel):
    """Every Lambda step gets the job it works on; extra fields of the execution state are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    kind: JobKind
    job_id: str = Field(min_length=1)
    user_id: str = Field(min_length=1)


class CaughtError(BaseModel):
    """A Catch's `$.error`: Step Functions' error name and its cause (a Lambda's JSON error, or text)."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    error: str = Field("States.Unknown", alias="Error")
    cause: str | None = Field(None, alias="Cause")


class FailJobEvent(StepEvent):
    error: CaughtError = Field(default_factory=CaughtError)


class RegisterVoiceEvent(StepEvent):
    kind: Literal["training"] = "training"
    result: TrainResult


class FinalizeTtsEvent(StepEvent):
    kind: Literal["tts"] = "tts"
    result: SynthResult


class TtsPlan(BaseModel):
    """mark-processing's answer for a TTS job, at `$.job`: ChooseEngine reads `route`, Synthesize sends
    `payload` as the SynthMessage's, remote-synthesize gets `engine` and `payload`."""

    model_config = ConfigDict(frozen=True)

    route: Literal["gpu", "remote"]
    engine: str
    payload: SynthPayload | RemoteSynthPayload


class RemoteSynthesizeEvent(StepEvent):
    kind: Literal["tts"] = "tts"
    engine: str
    payload: dict[str, Any] = Field(default_factory=dict)


class RemoteCloneEvent(StepEvent):
    """The training's voice, cloned at its remote engine from the enhanced clips (the RemoteClone state)."""

    kind: Literal["training"] = "training"
    voice_id: str = Field(min_length=1)
    voice_name: str = Field(min_length=1)
    model_type: str
    language: str = "en"
    clips: list[TrainClip] = Field(min_length=1)
