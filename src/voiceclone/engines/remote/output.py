"""A provider's audio made into the platform's file: decoded (containers sniffed by voiceclone.audio,
raw formats by their declared codec and rate), loudness-normalised and encoded like self-hosted output
(voiceclone.workers.postprocess). Needs numpy and soundfile: the audio image, not the light zip."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import soundfile as sf

from voiceclone.audio.codecs import read_audio
from voiceclone.audio.errors import AudioError
from voiceclone.engines.remote.errors import ProviderAudioInvalid
from voiceclone.engines.remote.provider_audio import ProviderAudio
from voiceclone.workers.postprocess import render

_RAW_SAMPLE_BYTES = {"PCM_16": 2, "ULAW": 1, "ALAW": 1}
MIN_SPEECH_S = 0.05  # an answer shorter than this is no speech


@dataclass(frozen=True)
class RenderedSpeech:
    data: bytes
    content_type: str
    output_format: str
    sample_rate: int
    duration_s: float


def decode(audio: ProviderAudio) -> tuple[np.ndarray, int]:
    """Mono float32 samples and their rate; ProviderAudioInvalid when the bytes are not that audio."""
    try:
        samples, rate = _decode_raw(audio) if audio.raw else read_audio(audio.data)
    except (AudioError, sf.SoundFileError, RuntimeError) as error:
        message = getattr(error, "message", str(error))
        raise ProviderAudioInvalid(audio.provider, f"returned {audio.format} audio that cannot be decoded: {message}") from None
    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    if len(mono) < MIN_SPEECH_S * rate:
        raise ProviderAudioInvalid(audio.provider, f"returned {len(mono) / rate:.3f} s of {audio.format} audio: no speech")
    if not np.isfinite(mono).all():
        raise ProviderAudioInvalid(audio.provider, f"returned {audio.format} audio with invalid samples")
    return mono.astype(np.float32, copy=False), rate


def _decode_raw(audio: ProviderAudio) -> tuple[np.ndarray, int]:
    assert audio.raw is not None
    width = _RAW_SAMPLE_BYTES[audio.raw.subtype]
    if len(audio.data) % width:
        raise ProviderAudioInvalid(audio.provider, f"returned {len(audio.data)} bytes of {audio.format} audio: not whole samples")
    samples, rate = sf.read(io.BytesIO(audio.data), dtype="float32", format="RAW", subtype=audio.raw.subtype,
                            samplerate=audio.raw.sample_rate, channels=1, endian="LITTLE")
    return samples, int(rate)


def render_speech(audio: ProviderAudio, output_format: str) -> RenderedSpeech:
    """The platform's file in `output_format` (mp3, wav, ogg, flac) at the provider's sample rate."""
    samples, rate = decode(audio)
    data, content_type = render(samples, rate, output_format)
    return RenderedSpeech(data, content_type, output_format, rate, round(len(samples) / rate, 3))
