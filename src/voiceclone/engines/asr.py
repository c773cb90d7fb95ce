"""Speech recognition for clips that came without a transcript (fine-tuning needs text).

The ASR model is configuration (VOICECLONE_ASR_MODEL: a local Whisper-style model directory that
`transformers` can load). None is bundled and none can be downloaded at request time: without one, a
clip lacking a transcript fails the job with a message saying so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from voiceclone.engines.base import ModelUnavailable


class Transcriber(Protocol):
    def transcribe(self, audio_path: Path, language: str) -> str: ...


class TransformersTranscriber:
    """A transformers automatic-speech-recognition pipeline over a local model directory."""

    def __init__(self, model_dir: Path, device: str = "cpu"):
        if not (Path(model_dir) / "config.json").is_file():
            raise ModelUnavailable(f"ASR model not found in {model_dir} (VOICECLONE_ASR_MODEL).")
        from transformers import pipeline

        self._pipeline = pipeline("automatic-speech-recognition", model=str(model_dir), device=device)

    def transcribe(self, audio_path: Path, language: str) -> str:
        import soundfile

        audio, rate = soundfile.read(audio_path, dtype="float32", always_2d=True)
        result = self._pipeline(
            {"raw": audio.mean(axis=1), "sampling_rate": rate}, generate_kwargs={"language": language}
        )
        return str(result["text"]).strip()  # one input gives one dict


def transcriber_from_config(model_dir: str | None, device: str = "cpu") -> Transcriber | None:
    """The configured transcriber, or None when no ASR model is configured."""
    return TransformersTranscriber(Path(model_dir), device) if model_dir else None
