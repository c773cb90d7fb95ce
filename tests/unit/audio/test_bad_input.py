"""The bad-input corpus: every item gets a report with the right reasons or a clear error, never a crash."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from voiceclone.audio import (
    AudioLimits,
    CorruptAudio,
    EmptyAudio,
    NotAudio,
    TooLarge,
    TooLong,
    UnsupportedAudio,
    analyze,
)
from voiceclone.audio.codecs import AudioFormat


def wav_bytes(samples: np.ndarray, rate: int, subtype: str = "PCM_16") -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, samples, rate, format="WAV", subtype=subtype)
    return buffer.getvalue()


def named(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.fixture
def speech_wav(long_czech) -> bytes:
    samples, rate = long_czech
    return wav_bytes(samples[: 8 * rate], rate)


def test_empty_file(tmp_path):
    with pytest.raises(NotAudio, match="empty"):
        analyze(named(tmp_path, "voice.wav", b""))


def test_random_bytes_named_wav(tmp_path):
    noise = np.random.default_rng(3).bytes(20_000)
    with pytest.raises(NotAudio, match="not a recognisable audio file"):
        analyze(named(tmp_path, "voice.wav", noise))


def test_text_file(tmp_path):
    with pytest.raises(NotAudio, match="text file"):
        analyze(named(tmp_path, "voice.wav", b"Hello, this is my voice sample.\n" * 40))


def test_truncated_wav_header(speech_wav):
    with pytest.raises(CorruptAudio, match="cannot be decoded"):
        analyze(speech_wav[:30])


def test_wav_header_claiming_ten_hours(speech_wav):
    forged = bytearray(speech_wav)
    data = forged.find(b"data")
    declared = 10 * 3600 * 22050 * 2
    forged[data + 4 : data + 8] = struct.pack("<I", declared)
    forged[4:8] = struct.pack("<I", declared + 36)
    with pytest.raises(CorruptAudio, match=r"declares 10\.0 h of audio but the file holds 8\.0 s"):
        analyze(bytes(forged))


def test_mp3_named_wav_is_analysed_as_mp3(tmp_path, long_czech):
    samples, rate = long_czech
    buffer = io.BytesIO()
    sf.write(buffer, samples[: 8 * rate], rate, format="MP3")
    report = analyze(named(tmp_path, "voice.wav", buffer.getvalue()))
    assert report.info.format == AudioFormat.MP3
    assert report.info.duration_s == pytest.approx(8.0, abs=0.1)
    assert report.verdict.suitable_for_training, report.verdict.reasons


def test_zero_length_audio():
    with pytest.raises(EmptyAudio, match="no audio"):
        analyze(wav_bytes(np.zeros(0, dtype=np.float32), 22050))


def test_all_silence():
    report = analyze(wav_bytes(np.zeros(5 * 22050, dtype=np.float32), 22050))
    assert not report.verdict.suitable_for_training
    assert any("no speech detected" in r for r in report.verdict.reasons)
    assert report.metrics.loudness_lufs is None


def test_pure_tone():
    rate = 22050
    tone = 0.3 * np.sin(2 * np.pi * 440 * np.arange(5 * rate) / rate)
    report = analyze(wav_bytes(tone, rate))
    assert not report.verdict.suitable_for_training
    assert any("steady tone" in r for r in report.verdict.reasons)


def test_clipped_square_wave():
    rate = 22050
    square = np.sign(np.sin(2 * np.pi * 200 * np.arange(5 * rate) / rate))
    report = analyze(wav_bytes(square, rate))
    assert report.metrics.clipping_ratio > 0.9
    assert any("clipping" in r for r in report.verdict.reasons)
    assert any("no speech detected" in r for r in report.verdict.reasons)


def test_telephone_audio_8_khz(long_czech):
    import soxr

    samples, rate = long_czech
    telephone = soxr.resample(samples[: 10 * rate], rate, 8000)
    report = analyze(wav_bytes(telephone, 8000))
    assert report.info.sample_rate == 8000
    assert report.metrics.bandwidth_hz <= 4000
    assert any("sample rate 8000 Hz carries nothing above 4.0 kHz" in r for r in report.verdict.reasons)


def test_six_channels(long_czech):
    samples, rate = long_czech
    gains = np.array([1.0, 0.8, 0.6, 0.4, 0.2, 0.1], dtype=np.float32)
    surround = samples[: 10 * rate, None] * gains
    report = analyze(wav_bytes(surround, rate))
    assert report.info.channels == 6
    assert report.verdict.suitable_for_training, report.verdict.reasons
    assert any("6 channels are mixed down" in a for a in report.verdict.advice)


def test_float_wav_with_nan_and_inf(long_czech):
    samples, rate = long_czech
    damaged = samples[: 8 * rate].copy()
    damaged[1000:1100] = np.nan
    damaged[5000:5010] = np.inf
    report = analyze(wav_bytes(damaged, rate, subtype="FLOAT"))
    assert report.metrics.nonfinite_ratio == pytest.approx(110 / len(damaged))
    assert any("NaN or infinite" in r for r in report.verdict.reasons)
    assert np.isfinite(report.metrics.snr_db) and np.isfinite(report.metrics.loudness_lufs)


def test_384_khz_is_unsupported():
    samples = 0.1 * np.sin(2 * np.pi * 440 * np.arange(384_000) / 384_000)
    with pytest.raises(UnsupportedAudio, match="384000 Hz is outside"):
        analyze(wav_bytes(samples, 384_000))


def test_45_minute_file_is_too_long_by_default(tmp_path, long_czech):
    samples, _rate = long_czech
    path = tmp_path / "long.wav"
    block = (samples[: 30 * 16000] * 32767).astype(np.int16)  # written in blocks: cheap, bounded memory
    with sf.SoundFile(path, "w", 16000, 1, subtype="PCM_16") as out:
        for _ in range(45 * 2):
            out.write(block)
    with pytest.raises(TooLong, match=r"45\.0 min, the limit is 30\.0 min"):
        analyze(path)


def test_size_limit(speech_wav):
    with pytest.raises(TooLarge, match="the limit is"):
        analyze(speech_wav, limits=AudioLimits(max_bytes=100_000))


@pytest.mark.parametrize(
    ("head", "message"),
    [
        (b"\x00\x00\x00\x20ftypM4A " + bytes(100), "M4A"),
        (b"\x1a\x45\xdf\xa3" + bytes(100), "WebM"),
        (b"FORM\x00\x00\x10\x00AIFF" + bytes(100), "AIFF"),
    ],
)
def test_containers_we_do_not_read_are_named(head, message):
    with pytest.raises(UnsupportedAudio, match=message):
        analyze(head)
