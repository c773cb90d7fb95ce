"""Predicted MOS with Microsoft's DNSMOS (P.835 SIG/BAK/OVRL and P.808), ONNX models from speechmos.

The models and their polynomial mapping are speechmos's (its wheel ships the ONNX files); windows of
9.01 s are scored without overlap (speechmos hops 1 s: 9x the cost for nearly the same mean) and at
most MAX_WINDOWS of them, so the cost per result stays bounded. Sessions load on first use.
"""

from __future__ import annotations

import functools
import os
import threading

import numpy as np

from voiceclone.quality.report import Dnsmos

DNSMOS_RATE = 16000
WINDOW_S = 9.01
MAX_WINDOWS = 3
# P.835 raw -> MOS polynomials (speechmos.dnsmos, non-personalised)
_P_SIG = np.poly1d([-0.08397278, 1.22083953, 0.0052439])
_P_BAK = np.poly1d([-0.13166888, 1.60915514, -0.39604546])
_P_OVR = np.poly1d([-0.06766283, 1.11546468, 0.04602535])


class DnsmosModel:
    def __init__(self, threads: int = 1):
        self.threads = threads
        self._sessions = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._sessions is None:
                import onnxruntime
                import speechmos

                folder = os.path.join(os.path.dirname(speechmos.__file__), "dnsmos_models")
                options = onnxruntime.SessionOptions()
                options.intra_op_num_threads = self.threads
                options.inter_op_num_threads = 1
                providers = ["CPUExecutionProvider"]
                self._sessions = (
                    onnxruntime.InferenceSession(os.path.join(folder, "sig_bak_ovr.onnx"), options, providers=providers),
                    onnxruntime.InferenceSession(os.path.join(folder, "model_v8.onnx"), options, providers=providers),
                )
            return self._sessions

    def score(self, samples: np.ndarray, sample_rate: int) -> Dnsmos:
        primary, p808 = self._load()
        audio = _mono_16k_clipped(samples, sample_rate)
        window = int(WINDOW_S * DNSMOS_RATE)
        if len(audio) == 0:
            raise ValueError("no audio to score")
        while len(audio) < window:  # as DNSMOS does: short clips are repeated up to one window
            audio = np.concatenate([audio, audio])
        starts = list(range(0, len(audio) - window + 1, window))[:MAX_WINDOWS]
        rows = []
        for start in starts:
            segment = audio[start : start + window]
            sig, bak, ovr = primary.run(None, {"input_1": segment[None]})[0][0]
            mos_808 = p808.run(None, {"input_1": _mel(segment[:-160])[None]})[0][0][0]
            rows.append((_P_OVR(ovr), _P_SIG(sig), _P_BAK(bak), mos_808))
        ovrl, sig, bak, mos_808 = (float(np.mean(column)) for column in zip(*rows, strict=True))
        return Dnsmos(ovrl=round(ovrl, 3), sig=round(sig, 3), bak=round(bak, 3), p808=round(mos_808, 3), windows=len(rows))


def _mono_16k_clipped(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    import soxr

    mono = np.asarray(samples, dtype=np.float32).reshape(len(samples), -1).mean(axis=1)
    if sample_rate != DNSMOS_RATE:
        mono = soxr.resample(mono, sample_rate, DNSMOS_RATE)
    return np.clip(mono, -1.0, 1.0).astype(np.float32)


def _mel(segment: np.ndarray) -> np.ndarray:
    """The P.808 model's input: 120 mel bands, 20 ms frames with a 10 ms hop, dB scaled as DNSMOS does."""
    import librosa

    mel = librosa.feature.melspectrogram(y=segment, sr=DNSMOS_RATE, n_fft=321, hop_length=160, n_mels=120)
    return ((librosa.power_to_db(mel, ref=np.max) + 40) / 40).T.astype(np.float32)


@functools.cache
def dnsmos_model() -> DnsmosModel:
    return DnsmosModel()
