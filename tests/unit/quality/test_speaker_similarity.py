"""Speaker similarity (resemblyzer GE2E) on real speech: same-speaker pairs above different-speaker pairs,
the calibrated probability on the right side of one half, the pure-Python cosine equal to numpy's."""

from __future__ import annotations

import itertools
import statistics

import numpy as np
import pytest

from tests.unit.quality.conftest import RATE
from voiceclone.quality.similarity import cosine, same_speaker, same_speaker_probability
from voiceclone.quality.speaker import ResemblyzerEncoder, configured_encoder, encoder_for, secs


@pytest.fixture(scope="module")
def embeddings(real_speakers) -> dict[str, list[np.ndarray]]:
    encoder = configured_encoder()
    return {name: [encoder.embed(clip, RATE) for clip in clips] for name, clips in real_speakers.items()}


def _pairs(embeddings):
    same, different = [], []
    for (name_a, vectors_a), (name_b, vectors_b) in itertools.combinations_with_replacement(embeddings.items(), 2):
        if name_a == name_b:
            same += [secs(a, b) for a, b in itertools.combinations(vectors_a, 2)]
        else:
            different += [secs(a, b) for a in vectors_a for b in vectors_b]
    return same, different


def test_same_speaker_pairs_score_above_different_speaker_pairs(embeddings):
    same, different = _pairs(embeddings)
    assert len(same) == 13 and len(different) == 78
    assert statistics.median(same) > statistics.median(different) + 0.15
    # Every speaker is closer to itself than to any other speaker, on average.
    for name, vectors in embeddings.items():
        own = statistics.mean(secs(a, b) for a, b in itertools.combinations(vectors, 2))
        for other, others in embeddings.items():
            if other != name:
                assert own > statistics.mean(secs(a, b) for a in vectors for b in others), (name, other)


def test_calibrated_probability_separates_the_pairs(embeddings):
    same, different = _pairs(embeddings)
    assert statistics.median(same_speaker_probability(s) for s in same) > 0.5
    assert statistics.median(same_speaker_probability(s) for s in different) < 0.5
    assert sum(same_speaker(s) for s in same) / len(same) >= 0.9
    assert sum(not same_speaker(s) for s in different) / len(different) >= 0.9


def test_embedding_is_unit_length_and_the_pure_python_cosine_matches(embeddings):
    a, b = embeddings["fillets_cs_big"][0], embeddings["fillets_nl_small"][0]
    assert a.shape == (256,) and abs(float(np.linalg.norm(a)) - 1) < 1e-5
    assert cosine(a.tolist(), b.tolist()) == pytest.approx(secs(a, b), abs=1e-6)
    with pytest.raises(ValueError, match="different encoders"):
        cosine([1.0, 0.0], [1.0, 0.0, 0.0])


def test_the_encoder_is_chosen_by_configuration(tmp_path):
    assert isinstance(encoder_for("resemblyzer"), ResemblyzerEncoder)
    with pytest.raises(ValueError, match="unknown speaker encoder"):
        encoder_for("wavlm")
    with pytest.raises(FileNotFoundError, match="not found"):
        encoder_for(f"torchscript:{tmp_path / 'absent.pt'}")


def test_a_torchscript_encoder_embeds_at_16_khz(tmp_path, real_speakers):
    """Any exported encoder plugs in: here a fixed random projection of frame energies."""
    import torch

    class FrameEnergies(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.projection = torch.nn.Linear(400, 32)

        def forward(self, audio: torch.Tensor) -> torch.Tensor:
            frames = audio[:, : audio.shape[1] // 400 * 400].reshape(audio.shape[0], -1, 400)
            return self.projection(frames.abs()).mean(dim=1)

    path = tmp_path / "encoder.pt"
    torch.jit.script(FrameEnergies()).save(str(path))
    encoder = encoder_for(f"torchscript:{path}")
    vector = encoder.embed(real_speakers["fillets_cs_big"][0], RATE)
    assert encoder.name == "torchscript:encoder.pt"
    assert vector.shape == (32,) and abs(float(np.linalg.norm(vector)) - 1) < 1e-5
