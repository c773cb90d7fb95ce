"""Audio processing for voice samples: codecs, analysis with a training verdict, enhancement into clips.

Needs the `audio` extra (numpy, scipy, soundfile, soxr): never import it from API handlers.
"""

from voiceclone.audio.analysis import analyze, analyze_array
from voiceclone.audio.codecs import (
    ArrayAudio,
    AudioFormat,
    AudioInfo,
    OutputFormat,
    encode,
    open_audio,
    read_audio,
    sniff_format,
)
from voiceclone.audio.errors import (
    AudioError,
    CorruptAudio,
    EmptyAudio,
    NotAudio,
    TooLarge,
    TooLong,
    UnsupportedAudio,
)
from voiceclone.audio.limits import AudioLimits
from voiceclone.audio.report import AnalysisReport, AudioMetrics, Verdict
from voiceclone.audio.verdict import Thresholds

__all__ = [
    "AnalysisReport", "ArrayAudio", "AudioError", "AudioFormat", "AudioInfo", "AudioLimits", "AudioMetrics",
    "CorruptAudio", "EmptyAudio", "NotAudio", "OutputFormat", "Thresholds", "TooLarge", "TooLong",
    "UnsupportedAudio", "Verdict", "analyze", "analyze_array", "encode", "open_audio", "read_audio",
    "sniff_format",
]
