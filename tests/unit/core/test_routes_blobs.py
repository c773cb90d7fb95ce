"""Route table and S3 key layout (pure functions)."""

from __future__ import annotations

import pytest

from functions.api.routes import ROUTES, handler_module_for, requires_auth
from voiceclone import blobs


@pytest.mark.parametrize(
    "path,module",
    [
        ("/api/samples", "functions.api.samples"),
        ("/api/samples/smp_1", "functions.api.samples"),
        ("/api/training/job/trn_1/cancel", "functions.api.training"),
        ("/api/tts/models/available", "functions.api.tts"),
        ("/api/voices/voice_1", "functions.api.voices"),
        ("/api/me", "functions.api.account"),
        ("/api/admin/stats", "functions.api.account"),
        ("/api/openapi.json", "functions.api.docs"),
        ("/api/docs", "functions.api.docs"),
        ("/api/samplesX", None),
        ("/other", None),
    ],
)
def test_handler_module_for(path, module):
    assert handler_module_for(path) == module


def test_only_docs_are_unauthenticated():
    assert not requires_auth("/api/openapi.json") and not requires_auth("/api/docs")
    assert requires_auth("/api/me") and requires_auth("/api/samples")


def test_every_routed_module_exposes_a_lambda_handler():
    import importlib

    for module in ROUTES:
        assert callable(importlib.import_module(module).lambda_handler)


def test_key_layout_round_trips():
    key = blobs.raw_sample_key("alice", "smp_1", "../../my file (1).wav")
    assert key == "raw/alice/smp_1/my_file_1_.wav"
    assert blobs.parse_raw_sample_key("raw/alice/smp_1/my+file.wav") == ("alice", "smp_1", "my file.wav")
    assert blobs.tts_output_key("alice", "tts_1", "mp3") == "tts/alice/tts_1.mp3"
    assert blobs.parse_tts_output_key("tts/alice/tts_1.mp3") == ("alice", "tts_1")
    assert blobs.prepared_clip_key("a", "trn_1", "smp_1", 3) == "prepared/a/trn_1/smp_1/clip_003.wav"
    with pytest.raises(ValueError):
        blobs.parse_raw_sample_key("prepared/a/b/c")
