"""The voice's quality report, made by the trainer worker right after training on real LibriVox speech
with the tiny random XTTS: complete, stored on the voice by register-voice, and honestly failing."""

from __future__ import annotations

import json

import pytest

from tests.integration.workers.conftest import (
    create_training_job,
    make_worker,
    poll_until_handled,
    upload_clips,
)
from voiceclone.domain.voices import VoiceModel, VoiceStatus
from voiceclone.quality.embeddings import VOICE, SpeakerEmbeddings
from voiceclone.quality.sentences import EVALUATION_SENTENCES
from voiceclone.services.quality import voice_quality
from voiceclone.workers.messages import TrainResult
from voiceclone.workers.trainer import TrainHandler
from voiceclone.workflows.completion import register_voice


@pytest.fixture
def trainer_worker(settings, registry, store, aws, queue_url):
    return make_worker(TrainHandler(settings, registry, aws.client("s3")), queue_url, store, aws, interrupt_on_stop=True)


def test_a_tiny_voice_gets_a_complete_stored_and_failing_report(settings, aws, store, machine, trainer_worker, speech):
    clips = upload_clips(aws, settings.samples_bucket, "bob", "trn_q", speech)
    create_training_job(store, "bob", "trn_q", "voice_q")
    store.voices.create(VoiceModel(voice_id="voice_q", user_id="bob", name="Bob"))
    payload = {"voice_id": "voice_q", "model_type": "xtts_v2_instant", "clips": clips}
    execution = machine.start("trn_q", "bob", "train", payload)
    poll_until_handled(trainer_worker, timeout_s=60)
    described = machine.wait(execution, timeout_s=120)
    assert described["status"] == "SUCCEEDED", described
    result = json.loads(described["output"])
    report = result["quality"]

    # Complete: the held-out clips (the two shortest of five), three English sentences, every metric.
    assert report["evaluated"] and report["encoder"] == "resemblyzer" and report["language"] == "en"
    assert report["reference"]["held_out"] and len(report["reference"]["clips"]) == 2
    assert report["reference"]["seconds"] == pytest.approx(2.99 + 3.29, abs=0.05)
    assert 1 <= report["reference"]["dnsmos_ovrl"] <= 5  # the user's own held-out speech
    assert [s["text"] for s in report["sentences"]] == list(EVALUATION_SENTENCES["en"])
    for sentence in report["sentences"]:
        assert sentence["duration_s"] > 0 and -1 <= sentence["speaker_similarity"] <= 1
        assert sentence["dnsmos"]["ovrl"] >= 1 and sentence["signal"]["duration_s"] > 0
        assert sentence["intelligibility"] == {"available": False, "wer": None, "cer": None, "transcript": None,
                                               "note": sentence["intelligibility"]["note"]}
    assert any("no ASR model" in note for note in report["notes"])
    assert set(report["verdicts"]) == set(report["thresholds"]) == {"low", "medium", "high"}
    assert report["thresholds"]["medium"]["min_speaker_similarity"] == 0.733
    assert len(report["reference_embedding"]["embedding"]) == 256

    # Honest: random weights do not sound like the reader, at any target, and the reasons say so.
    assert not any(v["passed"] for v in report["verdicts"].values())
    assert report["headline"]["same_speaker_probability"] < 0.5
    assert any("does not sound enough like your recordings" in r for r in report["verdicts"]["low"]["reasons"])

    # Stored: register-voice marks the voice ready with the report at the job's target, and its embedding.
    register_voice(store, settings, "bob", "trn_q", TrainResult.model_validate(result))
    voice = store.voices.get("bob", "voice_q")
    assert voice.status == VoiceStatus.READY
    assert voice.quality_report["passed"] is False and voice.quality_report["quality_target"] == "medium"
    assert voice.quality_report["reasons"] == report["verdicts"]["medium"]["reasons"]
    assert "reference_embedding" not in voice.quality_report and voice.quality_report["model_type"] == "xtts_v2_instant"
    stored = SpeakerEmbeddings(store.database).get("bob", VOICE, "voice_q")
    assert stored.embedding == pytest.approx(report["reference_embedding"]["embedding"])
    view = voice_quality(store, "bob", "voice_q")
    assert view.evaluated and view.report.passed is False and len(view.report.sentences) == 3
    assert view.training == {"clips": 3.0, "model_type": "xtts_v2_instant"}
