"""`enhance`: a raw recording in, clean uniform training clips out.

Chain: mix to mono (inverted channels flipped) -> high-pass 70 Hz (removes DC and rumble, zero phase)
-> resample to the engine rate -> noise reduction where the SNR is below 30 dB, kept only when it
raises the SNR estimate without eating speech -> trim leading/trailing silence -> split at pauses into
clips of at most 11 s -> loudness to the target LUFS with a true-peak ceiling, per clip.

Memory stays bounded: one light pass measures speech activity, then each clip is read (with a little
context for the filters), processed and handed over on its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soxr
from pydantic import BaseModel, ConfigDict, Field
from scipy import signal

from voiceclone.audio import activity
from voiceclone.audio.analysis import FRAMES_PER_BLOCK, mix_to_mono
from voiceclone.audio.clips import MAX_CLIP_S, ClipSpan, plan_clips, share_transcript, speech_bounds
from voiceclone.audio.codecs import AudioInfo, AudioSource, is_audio_source, open_audio
from voiceclone.audio.denoise import reduce_noise
from voiceclone.audio.errors import EmptyAudio
from voiceclone.audio.limits import AudioLimits
from voiceclone.audio.loudness import normalize_loudness

XTTS_TRAINING_RATE = 22_050
XTTS_OUTPUT_RATE = 24_000
HIGH_PASS_HZ = 70.0
CONTEXT_S = 0.25  # read around each clip so filters settle outside it
MIN_DENOISE_GAIN_DB = 3.0  # denoised audio must raise the SNR estimate by this much ...
MAX_SPEECH_LOSS_DB = 1.5  # ... and keep the loud (speech) frames within this much


class EnhanceOptions(BaseModel):
    model_config = ConfigDict(frozen=True)

    sample_rate: int = Field(default=XTTS_TRAINING_RATE, ge=8_000, le=96_000)
    target_lufs: float = Field(default=-23.0, ge=-40, le=-10)
    true_peak_ceiling_dbtp: float = Field(default=-1.0, le=0)
    denoise_below_snr_db: float = 30.0
    max_clip_s: float = Field(default=MAX_CLIP_S, gt=1)


class Clip(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    samples: np.ndarray = Field(repr=False)
    sample_rate: int
    start_s: float = Field(description="position in the original recording")
    duration_s: float
    transcript: str | None = None
    denoised: bool
    loudness_lufs: float | None
    peak_limited: bool = Field(description="gain lowered to respect the true-peak ceiling")


class EnhancementSummary(BaseModel):
    input: AudioInfo
    sample_rate: int
    snr_db_before: float
    denoise_attempted: bool
    trimmed_start_s: float
    trimmed_end_s: float
    clip_count: int = 0
    clips_denoised: int = 0
    speech_s: float = 0.0


class Enhancement:
    """Plans the clips on creation; iterate `clips()` to process them one at a time."""

    def __init__(self, source: AudioSource, options: EnhanceOptions, transcript: str | None = None):
        self.source = source
        self.options = options
        info = source.info
        self.frame_len = max(round(activity.FRAME_S * info.sample_rate), 1)
        self.frame_s = self.frame_len / info.sample_rate
        self.powers = _mono_frame_powers(source, self.frame_len)
        self.speech = activity.speech_mask(self.powers)
        bounds = speech_bounds(self.speech, self.frame_s)
        if bounds is None:
            raise EmptyAudio("no speech found to enhance: upload a recording of your voice")
        self.spans = plan_clips(self.speech, self.powers, *bounds, self.frame_s, options.max_clip_s)
        self.transcripts = share_transcript(transcript, self.speech, self.spans) if transcript else None
        snr = activity.snr_db(self.powers)
        self.summary = EnhancementSummary(
            input=info, sample_rate=options.sample_rate, snr_db_before=snr,
            denoise_attempted=snr < options.denoise_below_snr_db,
            trimmed_start_s=bounds[0] * self.frame_s,
            trimmed_end_s=max(len(self.powers) - bounds[1], 0) * self.frame_s,
            speech_s=float(self.speech[bounds[0] : bounds[1]].sum() * self.frame_s),
        )

    def clips(self) -> Iterator[Clip]:
        for index, span in enumerate(self.spans):
            clip = self._process(span, self.transcripts[index] if self.transcripts else None)
            self.summary.clip_count += 1
            self.summary.clips_denoised += int(clip.denoised)
            yield clip

    def _process(self, span: ClipSpan, transcript: str | None) -> Clip:
        rate_in, rate_out = self.source.info.sample_rate, self.options.sample_rate
        start, stop = span.start * self.frame_len, span.stop * self.frame_len
        context = int(CONTEXT_S * rate_in)
        first = max(start - context, 0)
        raw = self.source.read(first, stop + context)
        mono = _high_pass(_finite(mix_to_mono(raw)), rate_in)
        if rate_in != rate_out:
            mono = soxr.resample(mono, rate_in, rate_out, quality="HQ").astype(np.float32)
        denoised = False
        if self.summary.denoise_attempted:
            mono, denoised = _denoise_if_better(mono, rate_out)
        offset = round((start - first) * rate_out / rate_in)
        length = round((stop - start) * rate_out / rate_in)
        clip = mono[offset : offset + length]
        clip, loudness, limited = _normalise(clip, rate_out, self.options)
        return Clip(
            samples=clip, sample_rate=rate_out, start_s=start / rate_in, duration_s=len(clip) / rate_out,
            transcript=transcript, denoised=denoised, loudness_lufs=loudness, peak_limited=limited,
        )


def enhance(
    source: bytes | str | Path | BinaryIO | AudioSource,
    transcript: str | None = None,
    options: EnhanceOptions | None = None,
    limits: AudioLimits | None = None,
) -> tuple[list[Clip], EnhancementSummary]:
    """All clips of a recording at once (fine for voice samples; use `Enhancement` to stream)."""
    options = options or EnhanceOptions()
    if is_audio_source(source):
        enhancement = Enhancement(source, options, transcript)
        return list(enhancement.clips()), enhancement.summary
    with open_audio(source, limits) as audio:
        enhancement = Enhancement(audio, options, transcript)
        return list(enhancement.clips()), enhancement.summary


def _mono_frame_powers(source: AudioSource, frame_len: int) -> np.ndarray:
    powers = [
        activity.frame_powers(_finite(mix_to_mono(block)), frame_len)
        for block in source.blocks(frame_len * FRAMES_PER_BLOCK)
    ]
    return np.concatenate(powers) if powers else np.zeros(0)


def _finite(mono: np.ndarray) -> np.ndarray:
    return mono if np.isfinite(mono).all() else np.nan_to_num(mono, nan=0.0, posinf=0.0, neginf=0.0)


def _high_pass(mono: np.ndarray, sample_rate: int) -> np.ndarray:
    sos = signal.butter(4, HIGH_PASS_HZ, btype="highpass", fs=sample_rate, output="sos")
    if len(mono) <= 3 * 2 * len(sos):
        return (mono - mono.mean()).astype(np.float32)
    return signal.sosfiltfilt(sos, mono).astype(np.float32)


def _denoise_if_better(mono: np.ndarray, sample_rate: int) -> tuple[np.ndarray, bool]:
    """Noise-reduced audio when it clearly helps, else the input unchanged.

    Helps = the SNR estimate rises by 3 dB and the loud (speech) frames lose no more than 1.5 dB
    beyond the noise power that was in them.
    """
    frame_len = max(round(activity.FRAME_S * sample_rate), 1)
    before = activity.frame_powers(mono, frame_len)
    if len(before) == 0:
        return mono, False
    cleaned = reduce_noise(mono, sample_rate)
    after = activity.frame_powers(cleaned, frame_len)
    snr_gain = activity.snr_db(after) - activity.snr_db(before)
    loud_before = np.percentile(before, 95)
    speech_only = activity.to_db(max(loud_before - activity.noise_power(before), loud_before * 0.01))
    speech_loss = speech_only - activity.loud_level_db(after)
    if snr_gain >= MIN_DENOISE_GAIN_DB and speech_loss <= MAX_SPEECH_LOSS_DB:
        return cleaned, True
    return mono, False


def _normalise(clip: np.ndarray, sample_rate: int, options: EnhanceOptions) -> tuple[np.ndarray, float | None, bool]:
    done = normalize_loudness(clip, sample_rate, options.target_lufs, options.true_peak_ceiling_dbtp)
    return done.samples, done.loudness_lufs, done.peak_limited
