"""Streaming decode: same audio as decoding everything at once, at a constant cost per piece."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from voiceclone.engines.xtts.synthesis import IncrementalDecoder, crossfade_join

SAMPLES_PER_FRAME = 64


class CountingDecoder:
    """A causal-ish convolutional stand-in with a small receptive field, counting frames decoded."""

    def __init__(self):
        torch.manual_seed(0)
        self.kernel = torch.randn(1, 4, 5)
        self.frames_decoded = 0

    def __call__(self, latents: torch.Tensor) -> torch.Tensor:
        self.frames_decoded += latents.shape[1]
        x = F.conv1d(latents.transpose(1, 2), self.kernel, padding=2)  # (1, 1, T)
        return torch.tanh(x).repeat_interleave(SAMPLES_PER_FRAME, dim=-1)


def _stream(decoder, latents, piece_frames):
    incremental = IncrementalDecoder(decoder, sample_rate=24000, context_frames=4, lookahead_frames=2)
    pieces = []
    for start in range(0, latents.shape[1], piece_frames):
        final = start + piece_frames >= latents.shape[1]
        pieces.append(incremental.push(latents[:, start : start + piece_frames], final=final))
    return pieces


def test_streamed_audio_matches_a_single_decode():
    latents = torch.randn(1, 200, 4, generator=torch.Generator().manual_seed(7))  # not the global RNG state
    whole = CountingDecoder()(latents).squeeze().numpy()
    streamed = np.concatenate(_stream(CountingDecoder(), latents, 10))
    assert len(streamed) == len(whole)
    # Identical except inside the short crossfades at the seams (2 frames of every 10 here).
    differing = np.abs(streamed - whole) > 1e-5
    assert differing.mean() <= 0.2
    assert np.corrcoef(streamed, whole)[0, 1] > 0.98  # over 300 seeds: at least 0.983


def test_decoding_cost_grows_linearly_with_length():
    costs = {}
    for frames in (200, 800):
        decoder = CountingDecoder()
        _stream(decoder, torch.randn(1, frames, 4), 10)
        costs[frames] = decoder.frames_decoded
    # Each piece decodes its own frames plus a fixed context: 4x the length costs ~4x, not 16x.
    assert costs[800] / costs[200] < 4.2
    assert costs[800] < 2.5 * 800


def test_crossfade_join_overlaps_each_seam():
    a, b = np.ones(1000, np.float32), -np.ones(1000, np.float32)
    joined = crossfade_join([a, b], sample_rate=24000, fade_s=0.01)  # 240-sample fade
    assert len(joined) == 2000 - 240
    assert joined[0] == 1 and joined[-1] == -1 and abs(joined[1000 - 120]) < 0.01
