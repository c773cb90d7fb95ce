"""The WebSocket protocol's frames (docs/realtime.md, docs/asyncapi.yaml).

Client -> server: JSON text frames `start` (first, once), `text`, `flush`, `end`.
Server -> client: JSON text frames `ready`, `audio` (each followed by one binary frame holding
its `bytes` of encoded audio), `segment`, `done`, `error`; binary frames carry audio only.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from voiceclone.domain.languages import Language
from voiceclone.domain.tts import StreamFormat, VoiceSettings

MAX_TEXT_FRAME_CHARACTERS = 10_000


class _Frame(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StartFrame(_Frame):
    type: Literal["start"]
    voice_model_id: str = Field(min_length=1, max_length=100)
    language: Language | None = None
    voice_settings: VoiceSettings = Field(default_factory=VoiceSettings)
    output_format: StreamFormat = StreamFormat.PCM
    sample_rate: int | None = Field(default=None, description="default: the engine's (24000 for XTTS v2)")


class TextFrame(_Frame):
    type: Literal["text"]
    text: str = Field(max_length=MAX_TEXT_FRAME_CHARACTERS)


class FlushFrame(_Frame):
    type: Literal["flush"]


class EndFrame(_Frame):
    type: Literal["end"]


ClientFrame = Annotated[StartFrame | TextFrame | FlushFrame | EndFrame, Field(discriminator="type")]
CLIENT_FRAMES: TypeAdapter[StartFrame | TextFrame | FlushFrame | EndFrame] = TypeAdapter(ClientFrame)

# The types of the server's JSON frames (the AsyncAPI document names each; a test checks it).
SERVER_FRAME_TYPES = ("ready", "audio", "segment", "done", "error")


def ready(session_id: str, voice_id: str, model_type: str, language: str, fmt: str, content_type: str, rate: int) -> dict[str, Any]:
    return {"type": "ready", "session_id": session_id, "voice_model_id": voice_id, "model_type": model_type,
            "language": language, "output_format": fmt, "content_type": content_type, "sample_rate": rate}


def audio(seq: int, segment: int | None, span: tuple[int, int] | None, start_s: float, end_s: float, size: int) -> dict[str, Any]:
    return {"type": "audio", "seq": seq, "segment": segment, "text_span": list(span) if span else None,
            "start_s": start_s, "end_s": end_s, "bytes": size}


def segment(index: int, text: str, span: tuple[int, int], start_s: float, end_s: float) -> dict[str, Any]:
    return {"type": "segment", "segment": index, "text": text, "text_span": list(span), "start_s": start_s, "end_s": end_s}


def done(session_id: str, characters: int, audio_seconds: float) -> dict[str, Any]:
    return {"type": "done", "session_id": session_id, "usage": {"characters": characters, "audio_seconds": audio_seconds}}


def error(status: int, code: str, message: str, close_code: int) -> dict[str, Any]:
    return {"type": "error", "status": status, "code": code, "message": message, "close_code": close_code}
