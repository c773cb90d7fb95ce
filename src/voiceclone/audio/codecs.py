"""Reading and writing audio with soundfile (libsndfile >= 1.2: WAV, FLAC, OGG Vorbis/Opus, MP3; no ffmpeg).

The container is sniffed from the bytes, never trusted from the file name or content type. Sources are
read in blocks so long recordings use bounded memory.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO, Protocol, Self

import numpy as np
import soundfile as sf
from pydantic import BaseModel
from typing_extensions import TypeIs

from voiceclone.audio.errors import CorruptAudio, EmptyAudio, NotAudio, UnsupportedAudio
from voiceclone.audio.limits import AudioLimits
from voiceclone.audio.mp3 import encode_mp3
from voiceclone.domain.tts import OutputFormat  # the formats (and content types) are the domain's

SUPPORTED_HINT = "upload WAV, FLAC, OGG (Vorbis or Opus) or MP3"
BLOCK_SECONDS = 10.0


class AudioFormat(StrEnum):
    WAV = "wav"
    FLAC = "flac"
    OGG_VORBIS = "ogg_vorbis"
    OGG_OPUS = "ogg_opus"
    MP3 = "mp3"
    ARRAY = "array"  # samples already in memory


# soundfile (format, subtype, compression level): levels chosen for mono speech, e.g. Vorbis ~q0.7 at
# 24 kHz; FLAC level only trades CPU for size. MP3 is voiceclone.audio.mp3's (LAME through lameenc).
_ENCODINGS: dict[OutputFormat, tuple[str, str, float | None]] = {
    OutputFormat.WAV: ("WAV", "PCM_16", None),
    OutputFormat.FLAC: ("FLAC", "PCM_16", 0.5),
    OutputFormat.OGG: ("OGG", "VORBIS", 0.3),
}
_BIT_DEPTHS = {"PCM_U8": 8, "PCM_S8": 8, "PCM_16": 16, "PCM_24": 24, "PCM_32": 32, "FLOAT": 32, "DOUBLE": 64}
# libsndfile's diagnosis when a WAV header declares more data than the file holds.
_WAV_DATA_MISMATCH = re.compile(r"data : (\d+) \(should be (\d+)\)")
_STREAMING_PLACEHOLDERS = {0, 0xFFFFFFFF, 0x7FFFFFFF}  # sizes recorders write before they know the length


class AudioInfo(BaseModel):
    format: AudioFormat
    codec: str
    sample_rate: int
    channels: int
    frames: int
    duration_s: float
    bit_depth: int | None = None
    size_bytes: int | None = None


class AudioSource(Protocol):
    """Anything the analysis and enhancement read from: an opened file or samples in memory."""

    info: AudioInfo

    def blocks(self, block_frames: int) -> Iterator[np.ndarray]:
        """float32 blocks shaped (frames, channels), in order, covering the whole recording."""
        ...

    def read(self, start: int, stop: int) -> np.ndarray:
        """float32 frames [start, stop) shaped (frames, channels)."""
        ...


def is_audio_source(source: object) -> TypeIs[AudioSource]:
    """True for decoded audio (an opened file, samples in memory); False for bytes, a path or a stream."""
    return hasattr(source, "blocks") and hasattr(source, "info")


def sniff_format(head: bytes) -> AudioFormat:
    """The container and codec from the first bytes of a file (at least 64 wanted, 512 for OGG)."""
    if len(head) == 0:
        raise NotAudio("the file is empty: upload the recording again")
    if head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE":
        return AudioFormat.WAV
    if head[:4] == b"fLaC":
        return AudioFormat.FLAC
    if head[:4] == b"OggS":
        if b"OpusHead" in head:
            return AudioFormat.OGG_OPUS
        if b"\x01vorbis" in head:
            return AudioFormat.OGG_VORBIS
        raise UnsupportedAudio(f"OGG file with a codec other than Vorbis or Opus: {SUPPORTED_HINT}")
    if head[:3] == b"ID3" or _is_mpeg_audio_frame(head):
        return AudioFormat.MP3
    if head[4:8] == b"ftyp":
        raise UnsupportedAudio(f"M4A/MP4 (AAC) audio is not supported yet: {SUPPORTED_HINT}")
    if head[:4] == b"\x1a\x45\xdf\xa3":
        raise UnsupportedAudio(f"WebM/Matroska audio is not supported yet: {SUPPORTED_HINT}")
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        raise UnsupportedAudio(f"AIFF is not supported: {SUPPORTED_HINT}")
    if len(head) < 12:
        raise NotAudio(f"the file is only {len(head)} bytes long, too short to be audio")
    if _looks_like_text(head):
        raise NotAudio(f"this is a text file, not audio: {SUPPORTED_HINT}")
    raise NotAudio(f"not a recognisable audio file: {SUPPORTED_HINT}")


def _is_mpeg_audio_frame(head: bytes) -> bool:
    # 11 sync bits, then a layer field that is not 00 (00 is AAC ADTS).
    return len(head) >= 4 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06 != 0


def _looks_like_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(char.isprintable() or char in "\r\n\t" for char in text)


class AudioFile:
    """An encoded recording opened for block reading; use as a context manager."""

    def __init__(self, stream: BinaryIO, info: AudioInfo, handle: sf.SoundFile):
        self._stream = stream
        self._handle = handle
        self.info = info

    def blocks(self, block_frames: int) -> Iterator[np.ndarray]:
        try:
            self._handle.seek(0)
            while True:
                block = self._handle.read(block_frames, dtype="float32", always_2d=True)
                if len(block) == 0:
                    return
                yield block
        except sf.SoundFileError as error:
            raise CorruptAudio(f"the {self.info.format} data is damaged ({error}): export it again") from error

    def read(self, start: int, stop: int) -> np.ndarray:
        try:
            self._handle.seek(start)
            return self._handle.read(max(stop - start, 0), dtype="float32", always_2d=True)
        except sf.SoundFileError as error:
            raise CorruptAudio(f"the {self.info.format} data is damaged ({error}): export it again") from error

    def close(self) -> None:
        self._handle.close()
        self._stream.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class ArrayAudio:
    """Samples already in memory, (frames,) or (frames, channels), behind the same interface."""

    def __init__(self, samples: np.ndarray, sample_rate: int):
        samples = np.asarray(samples, dtype=np.float32)
        self.samples = samples[:, None] if samples.ndim == 1 else samples
        frames, channels = self.samples.shape
        self.info = AudioInfo(
            format=AudioFormat.ARRAY, codec="FLOAT", sample_rate=int(sample_rate), channels=channels,
            frames=frames, duration_s=frames / sample_rate, bit_depth=32,
        )

    def blocks(self, block_frames: int) -> Iterator[np.ndarray]:
        for start in range(0, len(self.samples), block_frames):
            yield self.samples[start : start + block_frames]

    def read(self, start: int, stop: int) -> np.ndarray:
        return self.samples[max(start, 0) : stop]

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass


def open_audio(source: bytes | str | Path | BinaryIO, limits: AudioLimits | None = None) -> AudioFile:
    """Open an encoded recording after checking its size, container, header and limits.

    Raises NotAudio, CorruptAudio, UnsupportedAudio, EmptyAudio, TooLarge or TooLong.
    """
    limits = limits or AudioLimits()
    stream = _as_stream(source)
    try:
        size = stream.seek(0, io.SEEK_END)
        stream.seek(0)
        limits.check_size(size)
        audio_format = sniff_format(stream.read(512))
        stream.seek(0)
        try:
            handle = sf.SoundFile(stream)
        except sf.SoundFileError as error:
            raise CorruptAudio(f"the {audio_format} file cannot be decoded ({error}): export it again") from error
        info = _info(handle, audio_format, size)
        _check_header(handle, info)
        limits.check_stream(info.sample_rate, info.channels, info.duration_s)
        if info.frames == 0:
            raise EmptyAudio("the file holds no audio (0 samples): record something and upload it again")
        return AudioFile(stream, info, handle)
    except Exception:
        stream.close()
        raise


def _as_stream(source: bytes | str | Path | BinaryIO) -> BinaryIO:
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(source)
    if isinstance(source, str | Path):
        return open(source, "rb")
    return source


def _info(handle: sf.SoundFile, audio_format: AudioFormat, size: int) -> AudioInfo:
    frames = max(int(handle.frames), 0)
    return AudioInfo(
        format=audio_format, codec=handle.subtype, sample_rate=handle.samplerate, channels=handle.channels,
        frames=frames, duration_s=frames / handle.samplerate if handle.samplerate else 0.0,
        bit_depth=_BIT_DEPTHS.get(handle.subtype), size_bytes=size,
    )


def _check_header(handle: sf.SoundFile, info: AudioInfo) -> None:
    """Reject WAV files whose header declares more audio than the file holds (cut-off uploads)."""
    if info.format != AudioFormat.WAV:
        return
    match = _WAV_DATA_MISMATCH.search(handle.extra_info)
    if not match:
        return
    declared, actual = int(match[1]), int(match[2])
    if declared > actual and declared not in _STREAMING_PLACEHOLDERS:
        bytes_per_second = info.sample_rate * info.channels * (info.bit_depth or 16) / 8
        raise CorruptAudio(
            f"the WAV header declares {_duration(declared / bytes_per_second)} of audio but the file holds "
            f"{_duration(actual / bytes_per_second)}: the upload was cut short, upload the file again"
        )


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.1f} s"


def read_audio(source: bytes | str | Path | BinaryIO, limits: AudioLimits | None = None) -> tuple[np.ndarray, int]:
    """The whole recording as float32 (frames, channels) and its sample rate (short files only)."""
    with open_audio(source, limits) as audio:
        return audio.read(0, audio.info.frames), audio.info.sample_rate


def encode(samples: np.ndarray, sample_rate: int, output_format: OutputFormat | str) -> bytes:
    """Encode float samples (clipped to [-1, 1]) into WAV/FLAC/OGG/MP3 bytes."""
    output_format = OutputFormat(output_format)
    samples = np.clip(np.nan_to_num(np.asarray(samples, dtype=np.float32)), -1.0, 1.0)
    if output_format == OutputFormat.MP3:
        return encode_mp3(samples, sample_rate)  # LAME at a faster algorithm quality than libsndfile's
    container, subtype, level = _ENCODINGS[output_format]
    channels = 1 if samples.ndim == 1 else samples.shape[1]
    extra: dict[str, float | str] = {} if level is None else {"compression_level": level}
    buffer = io.BytesIO()
    with sf.SoundFile(buffer, "w", sample_rate, channels, subtype=subtype, format=container, **extra) as out:
        out.write(samples)
    return buffer.getvalue()
