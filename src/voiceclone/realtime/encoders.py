"""Streaming encoders: float audio in pieces -> bytes of one continuous stream (concatenated, a valid file).

PCM is s16le without a header; WAV is a header with unknown sizes (0xFFFFFFFF, as streaming servers
write it) then s16le; MP3 (LAME), Opus in Ogg (20 ms pages), AAC in ADTS and FLAC come from FFmpeg's
encoders through PyAV, written to a sink that is drained after every piece (no seeking: the stream is
sent as it is made). A requested sample rate other than the engine's is reached with soxr's streaming
resampler, so piece boundaries leave no clicks.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Protocol

import numpy as np

from voiceclone.domain.tts import StreamFormat

# Rates each format may be asked for (Opus encodes only these; the others take any common rate).
OPUS_RATES = (8000, 12000, 16000, 24000, 48000)
COMMON_RATES = (8000, 16000, 22050, 24000, 32000, 44100, 48000)
# (FFmpeg muxer, encoder, muxer options, bit rate): bit rates for mono speech.
_FFMPEG: dict[StreamFormat, tuple[str, str, dict[str, str], int | None]] = {
    StreamFormat.MP3: ("mp3", "libmp3lame", {}, 64_000),
    StreamFormat.OPUS: ("ogg", "libopus", {"page_duration": "20000"}, 32_000),
    StreamFormat.AAC: ("adts", "aac", {}, 64_000),
    StreamFormat.FLAC: ("flac", "flac", {}, None),
}


def sample_rates(fmt: StreamFormat) -> tuple[int, ...]:
    return OPUS_RATES if fmt == StreamFormat.OPUS else COMMON_RATES


class StreamEncoder(Protocol):
    def encode(self, samples: np.ndarray) -> bytes:
        """The bytes made from `samples` (float32 mono); may be empty while the codec fills a frame."""

    def finish(self) -> bytes:
        """The rest of the stream (buffered frames, trailer)."""


def _s16le(samples: np.ndarray) -> bytes:
    clipped = np.clip(np.nan_to_num(np.asarray(samples, dtype=np.float32)), -1.0, 1.0)
    return (clipped * 32767.0).astype("<i2").tobytes()


class PcmEncoder:
    def encode(self, samples: np.ndarray) -> bytes:
        return _s16le(samples)

    def finish(self) -> bytes:
        return b""


class WavEncoder:
    """A RIFF header whose sizes say 'unknown' (0xFFFFFFFF), then s16le samples."""

    def __init__(self, sample_rate: int):
        self._header: bytes | None = _wav_header(sample_rate)

    def encode(self, samples: np.ndarray) -> bytes:
        header, self._header = self._header or b"", None
        return header + _s16le(samples)

    def finish(self) -> bytes:
        header, self._header = self._header or b"", None
        return header


def _wav_header(sample_rate: int, channels: int = 1, bits: int = 16) -> bytes:
    unknown = 0xFFFFFFFF
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", 1, channels, sample_rate, sample_rate * block, block, bits)
    return b"RIFF" + struct.pack("<I", unknown) + b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", unknown)


class _Sink:
    """A write-only file for FFmpeg's muxer: what it writes is collected until drained."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def drain(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


class FfmpegEncoder:
    def __init__(self, fmt: StreamFormat, sample_rate: int):
        import av
        from av.audio.fifo import AudioFifo

        muxer, codec, options, bit_rate = _FFMPEG[fmt]
        self._sink = _Sink()
        self._container = av.open(self._sink, "w", format=muxer, options=options)
        stream = self._container.add_stream(codec, rate=sample_rate, layout="mono")
        if not isinstance(stream, av.AudioStream):
            raise TypeError(f"{codec} is not an audio encoder")
        self._stream = stream
        context = stream.codec_context
        if bit_rate:
            context.bit_rate = bit_rate
        self._resampler = av.AudioResampler(format=context.format.name, layout="mono", rate=sample_rate)
        self._fifo = AudioFifo()
        self._frame_size = context.frame_size or 1152
        self._rate = sample_rate
        self._av = av

    def encode(self, samples: np.ndarray) -> bytes:
        frame = self._av.AudioFrame.from_ndarray(
            np.ascontiguousarray(np.clip(samples, -1.0, 1.0), dtype=np.float32).reshape(1, -1), format="flt", layout="mono"
        )
        frame.sample_rate = self._rate
        for converted in self._resampler.resample(frame):
            self._fifo.write(converted)
        while self._fifo.samples >= self._frame_size:
            self._mux(self._fifo.read(self._frame_size))
        return self._sink.drain()

    def finish(self) -> bytes:
        rest = self._fifo.read()
        if rest is not None:
            self._mux(rest)
        self._mux(None)
        self._container.close()
        return self._sink.drain()

    def _mux(self, frame) -> None:
        for packet in self._stream.encode(frame):
            self._container.mux(packet)


class Resampled:
    """An encoder fed at another rate than the engine's, through soxr's streaming resampler."""

    def __init__(self, encoder: StreamEncoder, from_rate: int, to_rate: int):
        import soxr

        self._encoder = encoder
        self._stream = soxr.ResampleStream(from_rate, to_rate, 1, dtype="float32")

    def encode(self, samples: np.ndarray) -> bytes:
        return self._encoder.encode(self._stream.resample_chunk(np.asarray(samples, dtype=np.float32)))

    def finish(self) -> bytes:
        tail = self._stream.resample_chunk(np.zeros(0, dtype=np.float32), last=True)
        return self._encoder.encode(tail) + self._encoder.finish()


_BUILDERS: dict[StreamFormat, Callable[[int], StreamEncoder]] = {
    StreamFormat.PCM: lambda rate: PcmEncoder(),
    StreamFormat.WAV: WavEncoder,
    **{fmt: (lambda rate, fmt=fmt: FfmpegEncoder(fmt, rate)) for fmt in _FFMPEG},  # type: ignore[misc]
}


def stream_encoder(fmt: StreamFormat, engine_rate: int, sample_rate: int | None = None) -> StreamEncoder:
    """An encoder for `fmt` at `sample_rate` (default: the engine's) fed at `engine_rate`."""
    rate = sample_rate or engine_rate
    if rate not in sample_rates(fmt) and rate != engine_rate:
        raise ValueError(f"{fmt} is not made at {rate} Hz; use one of {', '.join(map(str, sample_rates(fmt)))}")
    encoder = _BUILDERS[fmt](rate)
    return encoder if rate == engine_rate else Resampled(encoder, engine_rate, rate)
