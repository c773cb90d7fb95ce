"""Enhancement on real speech: SNR up for noisy speech and not down for clean, loudness on target,
clips of at most 11 s cut in pauses that concatenate back to the trimmed speech."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tests.unit.audio.conftest import add_white_noise
from voiceclone.audio import ArrayAudio, analyze_array, encode
from voiceclone.audio.activity import frame_powers, speech_mask
from voiceclone.audio.clips import plan_clips, share_transcript
from voiceclone.audio.enhancement import EnhanceOptions, enhance
from voiceclone.audio.loudness import integrated_loudness, true_peak_dbtp


def joined(clips) -> np.ndarray:
    return np.concatenate([clip.samples for clip in clips])


@pytest.mark.parametrize("mixed_snr_db", [5, 10, 20])
def test_enhancement_raises_the_snr_of_noisy_speech(long_czech, mixed_snr_db):
    samples, rate = long_czech
    noisy = add_white_noise(samples, mixed_snr_db)
    clips, summary = enhance(ArrayAudio(noisy, rate))
    before = analyze_array(noisy, rate).metrics.snr_db
    after = analyze_array(joined(clips), clips[0].sample_rate).metrics.snr_db
    assert summary.denoise_attempted and summary.clips_denoised == len(clips)
    assert after >= before + 6, (before, after)


def test_enhancement_does_not_lower_the_snr_of_clean_speech(long_czech, librivox):
    for samples, rate in (long_czech, librivox[:2]):
        clips, _ = enhance(ArrayAudio(samples, rate))
        before = analyze_array(samples, rate).metrics.snr_db
        after = analyze_array(joined(clips), clips[0].sample_rate).metrics.snr_db
        # 1.5 dB: the clips' shortened pauses show the noise estimator (0.3 s minimum) less of the floor
        assert after >= before - 1.5, (before, after)


def test_loudness_lands_on_target_under_the_true_peak_ceiling(long_czech, librivox):
    for samples, rate in (long_czech, librivox[:2]):
        clips, _ = enhance(ArrayAudio(samples * 0.2, rate))  # -23 LUFS leaves headroom for speech peaks
        assert not any(c.peak_limited for c in clips)
        for clip in clips:
            if clip.duration_s >= 1.0:
                assert integrated_loudness(clip.samples, clip.sample_rate) == pytest.approx(-23.0, abs=0.5)
        assert integrated_loudness(joined(clips), clips[0].sample_rate) == pytest.approx(-23.0, abs=0.5)


def test_a_loud_target_is_held_under_the_true_peak_ceiling(long_czech):
    samples, rate = long_czech
    clips, _ = enhance(ArrayAudio(samples, rate), options=EnhanceOptions(target_lufs=-12.0))
    assert any(c.peak_limited for c in clips)
    for clip in clips:
        assert true_peak_dbtp(clip.samples) <= -1.0 + 0.05
        if clip.peak_limited:
            assert true_peak_dbtp(clip.samples) == pytest.approx(-1.0, abs=0.05)
            assert clip.loudness_lufs < -12.0
        elif clip.duration_s >= 1.0:
            assert integrated_loudness(clip.samples, clip.sample_rate) == pytest.approx(-12.0, abs=0.5)


def test_output_is_mono_at_the_engine_rate(long_czech):
    samples, rate = long_czech
    stereo = np.stack([samples, -0.5 * samples], axis=1)  # inverted second channel must not cancel
    for engine_rate in (22050, 24000):
        clips, summary = enhance(ArrayAudio(stereo, rate), options=EnhanceOptions(sample_rate=engine_rate))
        assert all(c.samples.ndim == 1 and c.sample_rate == engine_rate for c in clips)
        assert summary.speech_s > 0.6 * len(samples) / rate


def test_clips_are_at_most_11_s_and_concatenate_back_to_the_trimmed_speech(long_czech):
    samples, rate = long_czech
    padded = np.concatenate([np.zeros(3 * rate, np.float32), samples, np.zeros(2 * rate, np.float32)])
    clips, summary = enhance(ArrayAudio(padded, rate))
    assert len(clips) >= 4
    assert all(c.duration_s <= 11.0 for c in clips)
    assert summary.trimmed_start_s == pytest.approx(3.0, abs=0.3)
    assert summary.trimmed_end_s == pytest.approx(2.0, abs=0.3)
    # contiguous: each clip starts where the previous one ended, and together they span the trimmed speech
    for previous, following in itertools.pairwise(clips):
        assert following.start_s == pytest.approx(previous.start_s + previous.duration_s, abs=0.001)
    trimmed_s = len(padded) / rate - summary.trimmed_start_s - summary.trimmed_end_s
    assert sum(c.duration_s for c in clips) == pytest.approx(trimmed_s, abs=0.02)


def test_plan_clips_cuts_in_pauses_and_rejoins_exactly(long_czech):
    samples, rate = long_czech
    frame_len = int(0.02 * rate)
    powers = frame_powers(samples, frame_len)
    speech = speech_mask(powers)
    spans = plan_clips(speech, powers, 0, len(powers), 0.02)
    pieces = [samples[s.start * frame_len : s.stop * frame_len] for s in spans]
    np.testing.assert_array_equal(np.concatenate(pieces), samples[: len(powers) * frame_len])
    assert all((s.stop - s.start) * 0.02 <= 11.0 for s in spans)
    cuts = [s.start for s in spans[1:]]
    assert sum(not speech[c] for c in cuts) >= len(cuts) - 1  # cut inside pauses (real speech has them)


def test_continuous_sound_without_pauses_is_still_split():
    rate = 16000
    tone = (0.3 * np.sin(2 * np.pi * 150 * np.arange(30 * rate) / rate)).astype(np.float32)
    tone *= 1 + 0.5 * np.sin(2 * np.pi * 3 * np.arange(30 * rate) / rate).astype(np.float32)
    powers = frame_powers(tone, 320)
    spans = plan_clips(np.ones(len(powers), bool), powers, 0, len(powers), 0.02)
    assert len(spans) >= 3 and all((s.stop - s.start) * 0.02 <= 11.0 for s in spans)
    assert spans[0].start == 0 and spans[-1].stop == len(powers)


def test_transcript_is_shared_out_in_order(long_czech):
    samples, rate = long_czech
    words = [f"w{i}." if i % 7 == 6 else f"w{i}" for i in range(100)]
    clips, _ = enhance(ArrayAudio(samples, rate), " ".join(words))
    shared = [c.transcript for c in clips]
    assert " ".join(t for t in shared if t).split() == words
    # each clip's share follows its share of speech time, within a few words
    speech_s = np.array([c.duration_s for c in clips])
    expected = speech_s / speech_s.sum() * len(words)
    assert np.all(np.abs(np.array([len(t.split()) for t in shared]) - expected) <= 6)


def test_single_clip_keeps_the_whole_transcript(librivox):
    samples, rate, transcript = librivox
    clips, _ = enhance(ArrayAudio(samples, rate), transcript)
    assert len(clips) == 1 and clips[0].transcript == transcript


def test_share_transcript_with_one_clip_is_exact():
    from voiceclone.audio.clips import ClipSpan

    assert share_transcript("a b c", np.ones(10, bool), [ClipSpan(start=0, stop=10)]) == ["a b c"]


def test_enhance_reads_encoded_files(long_czech):
    samples, rate = long_czech
    clips, summary = enhance(encode(samples, rate, "flac"))
    assert summary.input.format == "flac" and len(clips) >= 4
