"""Per-result quality in the synth worker: every output format's result carries SECS against the voice's
reference (a real speaker embedding of the LibriVox reader), DNSMOS, signal checks and a score; a voice
without a reference still gets a score and a note saying what was not measured."""

from __future__ import annotations

import json

import pytest

from tests.integration.workers.conftest import create_tts_job, make_worker, poll_until_handled, upload_voice
from voiceclone.quality.reference import ARTIFACT, write_reference
from voiceclone.quality.speaker import configured_encoder
from voiceclone.workers.synth import SynthHandler
from voiceclone.workers.voice_cache import VoiceCache

TEXT = "Please call me back when you have a moment."


@pytest.fixture
def synth_worker(settings, registry, store, aws, queue_url):
    handler = SynthHandler(settings, registry, aws.client("s3"), VoiceCache(budget_bytes=64 * 1024 * 1024))
    return make_worker(handler, queue_url, store, aws)


@pytest.fixture(scope="module")
def reference_file(speech, tmp_path_factory):
    encoder = configured_encoder()
    return write_reference(tmp_path_factory.mktemp("reference"), encoder.name, encoder.embed(*speech[0].load()).tolist())


def _synthesize(settings, store, machine, worker, keys, job_id, fmt):
    create_tts_job(store, "alice", job_id, "voice_q", TEXT)
    payload = {
        "voice_id": "voice_q", "model_type": "xtts_v2_instant", "voice_artifact_keys": keys, "text": TEXT,
        "language": "en", "output_format": fmt, "output_key": f"tts/alice/{job_id}.{fmt}",
    }
    execution = machine.start(job_id, "alice", "synthesize", payload)
    poll_until_handled(worker)
    described = machine.wait(execution)
    assert described["status"] == "SUCCEEDED", described
    return json.loads(described["output"])


def test_every_output_format_carries_its_quality(settings, aws, store, machine, synth_worker, instant_voice_files, reference_file):
    keys = upload_voice(aws, settings.models_bucket, "alice", "voice_q", {**instant_voice_files, ARTIFACT: reference_file})
    for fmt in ("mp3", "wav", "ogg", "flac"):
        result = _synthesize(settings, store, machine, synth_worker, keys, f"tts_q_{fmt}", fmt)
        quality = result["quality"]
        assert quality["encoder"] == "resemblyzer", quality["notes"]
        assert -1 <= quality["speaker_similarity"] <= 1, fmt
        assert 0 <= quality["same_speaker_probability"] <= 1
        assert 1 <= quality["dnsmos"]["ovrl"] <= 5
        assert quality["signal"]["duration_s"] == pytest.approx(result["duration_s"], abs=0.05)
        assert quality["signal"]["loudness_lufs"] == pytest.approx(-16, abs=1.5)  # measured as delivered
        assert 0 <= quality["quality_score"] <= 1 and result["metrics"]["quality_score"] == quality["quality_score"]
        assert quality["seconds"] > 0 and quality["overhead_ratio"] == pytest.approx(
            quality["seconds"] / result["metrics"]["synthesis_s"], rel=0.05
        )
        assert result["metrics"]["quality_s"] >= quality["seconds"]
    # Random weights babble: that is no same-speaker voice, and the figures say so.
    assert quality["same_speaker_probability"] < 0.5


def test_a_voice_without_reference_still_gets_a_score_and_says_why(settings, aws, store, machine, synth_worker, instant_voice_files):
    keys = upload_voice(aws, settings.models_bucket, "alice", "voice_q", instant_voice_files)
    result = _synthesize(settings, store, machine, synth_worker, keys, "tts_q_old", "wav")
    quality = result["quality"]
    assert quality["speaker_similarity"] is None and any("no reference embedding" in n for n in quality["notes"])
    assert quality["dnsmos"] is not None and 0 <= quality["quality_score"] <= 1
