"""Speaker encoders: a recording -> a unit-length speaker embedding (for SECS, the cosine of two).

One interface, chosen by VOICECLONE_SPEAKER_ENCODER:
- "resemblyzer" (default): the GE2E encoder whose weights ship in the resemblyzer wheel (256-d, 16 kHz).
- "torchscript:/path/model.pt": any stronger encoder (WavLM-SV, ECAPA...) exported to TorchScript that
  maps a (1, samples) float tensor at 16 kHz to an embedding; its weights must be in place (never
  downloaded). Calibrate it with bench/bench_quality.py before trusting its thresholds.
Models load on first use and stay loaded for the process.
"""

from __future__ import annotations

import functools
import os
import threading
import warnings
from typing import Any, Protocol

import numpy as np

ENCODER_ENV = "VOICECLONE_SPEAKER_ENCODER"
ENCODER_RATE = 16000
MAX_SECONDS = 10.0  # embeddings of longer audio barely change; this bounds the cost per result


class SpeakerEncoder(Protocol):
    name: str

    def embed(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        """Unit-length float32 embedding of mono float samples."""
        ...


def _mono_16k(samples: np.ndarray, sample_rate: int, max_seconds: float) -> np.ndarray:
    import soxr

    mono = np.asarray(samples, dtype=np.float32).reshape(len(samples), -1).mean(axis=1)
    if sample_rate != ENCODER_RATE:
        mono = soxr.resample(mono, sample_rate, ENCODER_RATE).astype(np.float32)
    return mono[: int(max_seconds * ENCODER_RATE)]


def _unit(vector: np.ndarray) -> np.ndarray:
    vector = np.asarray(vector, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


class ResemblyzerEncoder:
    """Resemblyzer's GE2E LSTM; silences longer than its VAD allows are trimmed before embedding."""

    name = "resemblyzer"

    def __init__(self, max_seconds: float = MAX_SECONDS):
        self.max_seconds = max_seconds
        self._model = None
        self._lock = threading.Lock()

    def _encoder(self):
        with self._lock:
            if self._model is None:
                with warnings.catch_warnings():  # webrtcvad imports the deprecated pkg_resources
                    warnings.simplefilter("ignore")
                    from resemblyzer import VoiceEncoder
                self._model = VoiceEncoder("cpu", verbose=False)
            return self._model

    def embed(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        encoder = self._encoder()
        from resemblyzer import preprocess_wav

        mono = _mono_16k(samples, sample_rate, self.max_seconds)
        voiced = preprocess_wav(mono, source_sr=ENCODER_RATE)
        if len(voiced) < ENCODER_RATE // 2:  # the VAD kept almost nothing (babble, noise): embed it all
            voiced = mono
        if len(voiced) == 0:
            raise ValueError("no audio to embed")
        return _unit(encoder.embed_utterance(voiced))


class TorchScriptEncoder:
    """An exported encoder: (1, samples) at 16 kHz -> (1, dim) or (dim,)."""

    def __init__(self, path: str, max_seconds: float = MAX_SECONDS):
        if not os.path.isfile(path):
            raise FileNotFoundError(f"speaker encoder {path} not found ({ENCODER_ENV})")
        self.path, self.max_seconds = path, max_seconds
        self.name = f"torchscript:{os.path.basename(path)}"
        self._model: Any = None  # a torch.jit.ScriptModule once loaded
        self._lock = threading.Lock()

    def embed(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        import torch

        with self._lock:
            if self._model is None:
                self._model = torch.jit.load(self.path, map_location="cpu").eval()
        mono = _mono_16k(samples, sample_rate, self.max_seconds)
        with torch.inference_mode():
            output = self._model(torch.from_numpy(mono)[None])
        return _unit(output.detach().cpu().numpy())


def encoder_for(spec: str) -> SpeakerEncoder:
    if spec == "resemblyzer":
        return ResemblyzerEncoder()
    if spec.startswith("torchscript:"):
        return TorchScriptEncoder(spec.removeprefix("torchscript:"))
    raise ValueError(f"unknown speaker encoder '{spec}' ({ENCODER_ENV}: resemblyzer or torchscript:/path)")


@functools.cache
def configured_encoder() -> SpeakerEncoder:
    """The process's encoder (VOICECLONE_SPEAKER_ENCODER, default resemblyzer), built once."""
    return encoder_for(os.environ.get(ENCODER_ENV, "resemblyzer") or "resemblyzer")


def secs(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two unit embeddings."""
    return float(np.dot(_unit(a), _unit(b)))
