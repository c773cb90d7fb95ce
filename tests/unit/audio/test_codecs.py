"""Codecs on real speech: sniffing from bytes, reading every supported format, writing every output format."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

from tests.support import speech
from voiceclone.audio import AudioFormat, OutputFormat, analyze, analyze_array, encode, open_audio, read_audio
from voiceclone.audio.codecs import sniff_format


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    n = min(len(a), len(b))
    return float(np.corrcoef(a[:n], b[:n])[0, 1])


@pytest.mark.parametrize(
    ("output_format", "sniffed", "min_correlation"),
    [
        (OutputFormat.WAV, AudioFormat.WAV, 0.9999),
        (OutputFormat.FLAC, AudioFormat.FLAC, 0.9999),
        (OutputFormat.OGG, AudioFormat.OGG_VORBIS, 0.95),
        (OutputFormat.MP3, AudioFormat.MP3, None),  # the encoder delay shifts samples: checked by level
    ],
)
def test_round_trip_through_every_output_format(librivox, output_format, sniffed, min_correlation):
    samples, rate, _ = librivox
    data = encode(samples, rate, output_format)
    assert sniff_format(data[:512]) == sniffed
    decoded, decoded_rate = read_audio(data)
    assert decoded_rate == rate and decoded.shape[1] == 1
    assert len(decoded) == pytest.approx(len(samples), abs=0.02 * rate)
    if min_correlation is not None:
        assert correlation(decoded[:, 0], samples) >= min_correlation
    original = analyze_array(samples, rate).metrics
    assert analyze(data).metrics.loudness_lufs == pytest.approx(original.loudness_lufs, abs=0.5)


def test_mp3_bitrate_is_sensible_for_speech(long_czech):
    samples, rate = long_czech
    import soxr

    at_24k = soxr.resample(samples, rate, 24000)
    kbps = len(encode(at_24k, 24000, "mp3")) * 8 / (len(at_24k) / 24000) / 1000
    assert 64 <= kbps <= 128


def test_reads_real_ogg_vorbis_from_the_game_data():
    utterance = speech.czech_utterances("small")[0]
    with open_audio(utterance.path) as audio:
        assert audio.info.format == AudioFormat.OGG_VORBIS
        assert audio.info.codec == "VORBIS"
        assert audio.info.duration_s == pytest.approx(utterance.duration_s)


def test_reads_ogg_opus(librivox):
    samples, rate, _ = librivox
    import soxr

    buffer = io.BytesIO()
    sf.write(buffer, soxr.resample(samples, rate, 48000), 48000, format="OGG", subtype="OPUS")
    report = analyze(buffer.getvalue())
    assert report.info.format == AudioFormat.OGG_OPUS and report.info.sample_rate == 48000
    assert report.metrics.pitch_median_hz == pytest.approx(analyze_array(samples, rate).metrics.pitch_median_hz, rel=0.05)


def test_wav_metadata_is_read_from_the_header(long_czech):
    samples, rate = long_czech
    buffer = io.BytesIO()
    sf.write(buffer, np.stack([samples, samples], axis=1), rate, format="WAV", subtype="PCM_24")
    with open_audio(buffer.getvalue()) as audio:
        assert (audio.info.channels, audio.info.bit_depth, audio.info.sample_rate) == (2, 24, rate)
        assert audio.info.duration_s == pytest.approx(len(samples) / rate)


def test_block_reading_gives_the_same_report_as_in_memory(long_czech):
    samples, rate = long_czech
    from_file = analyze(encode(samples, rate, "flac")).metrics
    in_memory = analyze_array(samples, rate).metrics
    for field in ("snr_db", "speech_ratio", "loudness_lufs", "pitch_median_hz", "bandwidth_hz"):
        assert getattr(from_file, field) == pytest.approx(getattr(in_memory, field), rel=0.02, abs=0.2), field
