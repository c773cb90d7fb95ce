"""`analyze`: one pass over a recording, block by block, into an `AnalysisReport`.

Every measurement is accumulated per 10 s block (frame powers, loudness sub-blocks, spectrum sums by
frame level, the loud end of the amplitude histogram, pitch frames, counters), so memory stays bounded
for long files. Level, loudness, peaks, clipping and activity see every sample. The two summary
statistics, the long-term spectrum (band limit) and the pitch distribution, settle within a couple of
minutes of speech: on longer recordings they are taken from every k-th spectrum and pitch frame, as
many frames as SUMMARY_MAX_S of audio holds, spread evenly over the whole recording, so their cost
stops growing with its length.

Detectors: `bandlimit` (cutoff), `clipping` (clip level), `activity` (speech, SNR), `pitch`,
`loudness`; the verdicts are `voiceclone.domain.sample_verdict.judge` for every quality target.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soxr
from scipy import fft

from voiceclone.audio import activity, bandlimit, pitch
from voiceclone.audio.clipping import ClippingHistogram
from voiceclone.audio.codecs import ArrayAudio, AudioSource, is_audio_source, open_audio
from voiceclone.audio.limits import AudioLimits
from voiceclone.audio.loudness import LoudnessMeter, true_peak_dbtp
from voiceclone.audio.report import AnalysisReport, AudioMetrics
from voiceclone.audio.verdict import judge_all
from voiceclone.domain.sample_verdict import METRICS_VERSION
from voiceclone.domain.training import QualityTarget

FRAMES_PER_BLOCK = 500  # 20 ms frames: 10 s blocks
SUMMARY_MAX_S = 120.0  # spectrum and pitch frames: as many as 2 minutes hold, spread over the recording
SPECTRUM_FRAME_S = 0.032
PITCH_SKIP_BELOW_DB = 45.0  # frames this far under the block's loudest are pauses: no pitch search
QUIET_PERCENTILE = 10.0  # the quietest frames' spectrum is the noise the cutoff's floor is compared with
# 16-bit quantisation noise per bin of a Hann-windowed frame (LSB^2 / 12 * sum of w^2): the spectra
# never count as lower than this, so a float file's empty top reads as a floor like a 16-bit one's
QUANTISATION_POWER_PER_SAMPLE = 2.0**-30 / 12
TRUE_PEAK_MARGIN_DB = 6.0


def analyze(
    source: bytes | str | Path | BinaryIO | AudioSource,
    transcript: str | None = None,
    *,
    limits: AudioLimits | None = None,
    target: QualityTarget = QualityTarget.MEDIUM,
) -> AnalysisReport:
    """Measure a recording (encoded bytes/path/stream, or an `ArrayAudio`) and judge it for training
    (`verdict` for `target`, `verdicts` for every quality target).

    Raises the `voiceclone.audio.errors` exceptions for files that cannot be analysed at all.
    """
    if is_audio_source(source):
        return _analyze_source(source, transcript, target)
    with open_audio(source, limits) as audio:
        return _analyze_source(audio, transcript, target)


def analyze_array(samples: np.ndarray, sample_rate: int, transcript: str | None = None) -> AnalysisReport:
    return analyze(ArrayAudio(samples, sample_rate), transcript)


def _analyze_source(source: AudioSource, transcript: str | None, target: QualityTarget) -> AnalysisReport:
    features = StreamFeatures(source.info.sample_rate, source.info.channels, source.info.frames)
    for block in source.blocks(features.block_len):
        features.add(block)
    metrics = features.metrics(transcript)
    verdicts = judge_all(metrics, source.info.sample_rate, source.info.channels)
    return AnalysisReport(info=source.info, metrics=metrics, verdict=verdicts[str(target)], verdicts=verdicts)


def mix_to_mono(block: np.ndarray) -> np.ndarray:
    """Average the channels, flipping any channel in opposite polarity to the first (no cancellation)."""
    if block.shape[1] == 1:
        return block[:, 0]
    reference = block[:, 0]
    signs = np.where(reference @ block >= 0, 1.0, -1.0).astype(np.float32)
    return block @ signs / block.shape[1]


class StreamFeatures:
    """Accumulates per-block features of a recording; `metrics()` turns them into measurements."""

    def __init__(self, sample_rate: int, channels: int, expected_frames: int = 0):
        self.rate = sample_rate
        self.channels = channels
        self.frame_len = max(round(activity.FRAME_S * sample_rate), 1)
        self.block_len = self.frame_len * FRAMES_PER_BLOCK
        # every k-th spectrum and pitch frame is measured (k = 1 up to SUMMARY_MAX_S)
        self.summary_stride = max(int(np.ceil(expected_frames / (SUMMARY_MAX_S * sample_rate))), 1)
        self.pitch_hop = pitch.HOP * self.summary_stride
        self.samples = 0
        self.nonfinite = 0
        self.clipping = ClippingHistogram()
        self.peak = 0.0
        self.true_peak = -np.inf
        self.sums = np.zeros(channels)
        self.cross = np.zeros(channels)  # sum of channel * first channel
        self.squares = np.zeros(channels)
        self.powers: list[np.ndarray] = []
        self.loudness = LoudnessMeter(sample_rate, channels, self.frame_len * 5)
        self.spectrum_len = 1 << int(np.ceil(np.log2(SPECTRUM_FRAME_S * sample_rate)))
        self.spectra = bandlimit.SpectrumByLevel(self.spectrum_len // 2 + 1)
        self.window = np.hanning(self.spectrum_len).astype(np.float32)
        self.resampler = soxr.ResampleStream(sample_rate, pitch.PITCH_RATE, 1, dtype="float32", quality="LQ")
        self.pitch_tail = np.zeros(0, dtype=np.float32)
        self.pitch_frames: list[np.ndarray] = []

    def add(self, block: np.ndarray) -> None:
        sums = block.sum(axis=0, dtype=np.float64)
        if not np.isfinite(sums).all():  # NaN/Inf samples: count them, then treat them as silence
            finite = np.isfinite(block)
            self.nonfinite += int(block.size - np.count_nonzero(finite))
            block = np.where(finite, block, 0.0).astype(np.float32)
            sums = block.sum(axis=0, dtype=np.float64)
        self.samples += len(block)
        self.sums += sums
        gram = (block.T @ block).astype(np.float64)  # channel energies and cross products in one product
        self.squares += np.diag(gram)
        self.cross += gram[0]
        magnitude = np.abs(block)
        block_peak = float(magnitude.max(initial=0.0))
        self.peak = max(self.peak, block_peak)
        self.clipping.add(block)
        # inter-sample peaks rise well under 6 dB above the samples: quieter blocks cannot set a new maximum
        if block_peak > 0 and 20 * np.log10(block_peak) + TRUE_PEAK_MARGIN_DB > self.true_peak:
            self.true_peak = max(self.true_peak, true_peak_dbtp(block, magnitude))
        self.loudness.add(block)
        mono = mix_to_mono(block)
        self.powers.append(_ac_frame_powers(mono, self.frame_len))
        self._add_spectrum(mono)
        self._add_pitch(mono, last=len(block) < self.block_len)

    def _add_spectrum(self, mono: np.ndarray) -> None:
        usable = len(mono) // self.spectrum_len * self.spectrum_len
        if usable:
            frames = mono[:usable].reshape(-1, self.spectrum_len)[:: self.summary_stride]
            frame_power = np.einsum("ij,ij->i", frames, frames) / self.spectrum_len
            spectra = np.square(np.abs(fft.rfft(frames * self.window, axis=1)))
            self.spectra.add(spectra, frame_power)

    def _add_pitch(self, mono: np.ndarray, last: bool) -> None:
        resampled = self.resampler.resample_chunk(mono, last=last)
        buffer = np.concatenate([self.pitch_tail, resampled])
        hop = self.pitch_hop
        count = (len(buffer) - pitch.FRAME) // hop + 1 if len(buffer) >= pitch.FRAME else 0
        if count > 0:
            f0, _ = pitch.yin(buffer[: (count - 1) * hop + pitch.FRAME], PITCH_SKIP_BELOW_DB, hop)
            self.pitch_frames.append(f0)
        self.pitch_tail = buffer[count * hop :]

    def metrics(self, transcript: str | None) -> AudioMetrics:
        powers = np.concatenate(self.powers) if self.powers else np.zeros(0)
        speech = activity.speech_mask(powers)
        frame_s = self.frame_len / self.rate
        segments = activity.runs(speech)
        speech_s = float(speech.sum() * frame_s)
        pitch_f0, pitch_in_speech = self._pitch_frame_speech(speech, frame_s)
        f0 = pitch_f0[pitch_in_speech & np.isfinite(pitch_f0)]
        total = max(self.samples * self.channels, 1)
        loudness = self.loudness.integrated()
        clipping = self.clipping.estimate()
        cutoff = self._cutoff(powers)
        return AudioMetrics(
            duration_s=self.samples / self.rate,
            speech_duration_s=speech_s,
            speech_ratio=float(speech.mean()) if len(speech) else 0.0,
            snr_db=activity.snr_db(powers),
            noise_floor_dbfs=float(activity.to_db(activity.noise_power(powers))),
            dynamic_range_db=activity.loud_level_db(powers) - float(activity.to_db(activity.noise_power(powers))),
            loudness_lufs=loudness if np.isfinite(loudness) else None,
            true_peak_dbtp=self.true_peak if np.isfinite(self.true_peak) else None,
            peak_dbfs=20 * float(np.log10(self.peak)) if self.peak > 0 else None,
            clipping_ratio=clipping.clipped_ratio,
            clip_level=clipping.clip_level,
            flat_top_ratio=clipping.flat_top_ratio,
            dc_offset=float(np.abs(self.sums).max() / max(self.samples, 1)),
            bandwidth_hz=cutoff.frequency_hz if cutoff else self.rate / 2,
            cutoff_hz=cutoff.frequency_hz if cutoff else None,
            cutoff_depth_db=cutoff.depth_db if cutoff else None,
            cutoff_steepness_db_per_octave=cutoff.steepness_db_per_octave if cutoff else None,
            metrics_version=METRICS_VERSION,
            channel_correlation=self._channel_correlation(),
            nonfinite_ratio=self.nonfinite / total,
            leading_silence_s=(segments[0][0] if segments else len(speech)) * frame_s,
            trailing_silence_s=(len(speech) - segments[-1][1] if segments else len(speech)) * frame_s,
            longest_pause_s=max((b[0] - a[1] for a, b in itertools.pairwise(segments)), default=0) * frame_s,
            pitch_median_hz=_rounded(np.median(f0)) if len(f0) else None,
            pitch_p5_hz=_rounded(np.percentile(f0, 5)) if len(f0) else None,
            pitch_p95_hz=_rounded(np.percentile(f0, 95)) if len(f0) else None,
            pitch_spread_semitones=(
                float(12 * np.log2(np.percentile(f0, 95) / np.percentile(f0, 5))) if len(f0) else None
            ),
            voiced_ratio=len(f0) / max(int(pitch_in_speech.sum()), 1),
            words_per_minute=_words_per_minute(transcript, speech_s),
        )

    def _pitch_frame_speech(self, speech: np.ndarray, frame_s: float) -> tuple[np.ndarray, np.ndarray]:
        f0 = np.concatenate(self.pitch_frames) if self.pitch_frames else np.zeros(0)
        centres = (np.arange(len(f0)) * self.pitch_hop + pitch.WINDOW / 2) / pitch.PITCH_RATE
        index = np.minimum((centres / frame_s).astype(int), max(len(speech) - 1, 0))
        in_speech = speech[index] if len(speech) else np.zeros(len(f0), dtype=bool)
        return f0, in_speech

    def _cutoff(self, powers: np.ndarray) -> bandlimit.Cutoff | None:
        """The band-limit cliff in the spectrum of the speech frames (those above the speech threshold
        of the activity detector), against the spectrum of the quietest frames."""
        if not len(powers) or not self.spectra.sums.any():
            return None
        floor = QUANTISATION_POWER_PER_SAMPLE * float(np.square(self.window).sum())
        speech = self.spectra.mean_above(activity.speech_threshold_db(powers))
        quiet = self.spectra.mean_below_percentile(QUIET_PERCENTILE)
        if speech is None or quiet is None:
            return None
        return bandlimit.find_cutoff(np.maximum(speech, floor), np.maximum(quiet, floor), self.rate)

    def _channel_correlation(self) -> float | None:
        if self.channels == 1:
            return None
        denominator = np.sqrt(self.squares[0] * self.squares[1:])
        correlation = np.where(denominator > 0, self.cross[1:] / np.maximum(denominator, 1e-30), 1.0)
        return float(correlation.min())


def _ac_frame_powers(mono: np.ndarray, frame_len: int) -> np.ndarray:
    """Frame powers without each frame's mean: a DC offset is reported apart, it is not noise."""
    powers = activity.frame_powers(mono, frame_len)
    means = mono[: len(powers) * frame_len].reshape(-1, frame_len).mean(axis=1, dtype=np.float64)
    return np.maximum(powers - np.square(means), 0.0)


def _words_per_minute(transcript: str | None, speech_s: float) -> float | None:
    if not transcript or not transcript.strip() or speech_s <= 0:
        return None
    return len(transcript.split()) / speech_s * 60


def _rounded(value: float) -> float:
    return round(float(value), 1)
