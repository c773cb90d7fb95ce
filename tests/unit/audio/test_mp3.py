"""voiceclone.audio.mp3 on real speech: the MP3 plays back sample-aligned and exactly as long as its input
(the LAME info frame's delay and padding are honoured by libsndfile's mpg123 and by FFmpeg), at every
rate the platform meets, with the signal-to-noise ratio of libsndfile's own (slower) LAME encoding."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf
import soxr

from voiceclone.audio.mp3 import bitrate_kbps, encode_mp3


def _aligned_snr_db(original: np.ndarray, decoded: np.ndarray) -> float:
    n = min(len(original), len(decoded))
    error = original[:n] - decoded[:n]
    return float(10 * np.log10(np.sum(original[:n] ** 2) / np.sum(error**2)))


def _libsndfile_mp3(samples: np.ndarray, rate: int) -> bytes:
    buffer = io.BytesIO()
    with sf.SoundFile(buffer, "w", rate, 1, subtype="MPEG_LAYER_III", format="MP3",
                      compression_level=0.4, bitrate_mode="CONSTANT") as out:
        out.write(samples)
    return buffer.getvalue()


@pytest.mark.parametrize("rate", [24000, 16000, 22050, 44100])
def test_decoders_play_it_gapless_and_aligned(librivox, rate):
    samples, source_rate, _ = librivox
    speech = soxr.resample(samples, source_rate, rate).astype(np.float32)
    data = encode_mp3(speech, rate)
    decoded, decoded_rate = sf.read(io.BytesIO(data), dtype="float32")
    assert decoded_rate == rate and len(decoded) == len(speech)
    assert _aligned_snr_db(speech, decoded) > 15  # no delay left: sample-aligned with the input

    import av

    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        assert sum(frame.samples for frame in container.decode(stream)) == len(speech)


def test_as_faithful_as_libsndfiles_lame_at_the_platform_rate(librivox):
    samples, source_rate, _ = librivox
    speech = soxr.resample(samples, source_rate, 24000).astype(np.float32)
    ours = sf.read(io.BytesIO(encode_mp3(speech, 24000)), dtype="float32")[0]
    theirs = sf.read(io.BytesIO(_libsndfile_mp3(speech, 24000)), dtype="float32")[0]
    assert _aligned_snr_db(speech, ours) >= _aligned_snr_db(speech, theirs) - 0.5
    kbps = len(encode_mp3(speech, 24000)) * 8 / (len(speech) / 24000) / 1000
    assert kbps == pytest.approx(bitrate_kbps(24000, 1), rel=0.05)


def test_silence_and_a_single_frame_still_make_a_playable_file():
    for length in (1, 576, 24000):
        data = encode_mp3(np.zeros(length, dtype=np.float32), 24000)
        decoded, rate = sf.read(io.BytesIO(data), dtype="float32")
        assert rate == 24000 and len(decoded) == length
