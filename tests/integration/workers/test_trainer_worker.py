"""The trainer worker end to end on real LibriVox speech and the tiny XTTS: instant and fine-tuned voices,
cancellation, graceful stop with a checkpoint, and failures with a readable cause."""

from __future__ import annotations

import json
import threading
import time

import pytest
import torch

from tests.integration.workers.conftest import (
    create_training_job,
    make_worker,
    poll_until_handled,
    upload_clips,
)
from voiceclone.domain.jobs import JobStatus
from voiceclone.engines.xtts.model import load_base_model, load_finetuned_gpt
from voiceclone.workers.trainer import TrainHandler


@pytest.fixture
def trainer_worker(settings, registry, store, aws, queue_url):
    handler = TrainHandler(settings, registry, aws.client("s3"))
    return make_worker(handler, queue_url, store, aws, interrupt_on_stop=True)


def _payload(clips, model_type="xtts_v2", **config):
    return {"voice_id": "voice_t", "model_type": model_type, "config": config, "clips": clips}


def _keys(aws, bucket, prefix):
    listed = aws.client("s3").list_objects_v2(Bucket=bucket, Prefix=prefix)
    return [item["Key"] for item in listed.get("Contents", [])]


def test_instant_voice_is_a_small_conditioning_artifact(settings, aws, store, machine, trainer_worker, speech):
    clips = upload_clips(aws, settings.samples_bucket, "bob", "trn_instant", speech[:3])
    create_training_job(store, "bob", "trn_instant", "voice_t")
    execution = machine.start("trn_instant", "bob", "train", _payload(clips, "xtts_v2_instant"))
    poll_until_handled(trainer_worker)
    described = machine.wait(execution)
    assert described["status"] == "SUCCEEDED", described
    result = json.loads(described["output"])
    assert result["artifact_keys"] == {
        "conditioning": "voices/bob/voice_t/conditioning.pt",
        "speaker_reference": "voices/bob/voice_t/speaker_reference.json",  # for per-result SECS
    }
    head = aws.client("s3").head_object(Bucket=settings.models_bucket, Key=result["artifact_keys"]["conditioning"])
    assert head["ContentLength"] < 100_000  # kilobytes, not a model


def test_fine_tune_stores_only_the_gpt_and_it_reloads_strictly(
    settings, aws, store, machine, trainer_worker, speech, tiny_model, tmp_path
):
    clips = upload_clips(aws, settings.samples_bucket, "bob", "trn_ft", speech)
    create_training_job(store, "bob", "trn_ft", "voice_t")
    execution = machine.start(
        "trn_ft", "bob", "train", _payload(clips, epochs=2, batch_size=2, checkpoint_every_steps=2)
    )
    poll_until_handled(trainer_worker, timeout_s=60)
    described = machine.wait(execution)
    assert described["status"] == "SUCCEEDED", described
    result = json.loads(described["output"])
    assert set(result["artifact_keys"]) == {"gpt", "conditioning", "speaker_reference"}
    # 2 epochs x ceil(3 clips / 2): the 2 shortest of the 5 are held out to evaluate the voice.
    assert result["metrics"]["steps"] == 4.0 and result["quality"]["training_clips"] == 3
    # Only the GPT's weights: no HiFiGAN decoder, DVAE or speaker encoder in the artifact.
    gpt_path = tmp_path / "gpt.pth"
    aws.client("s3").download_file(settings.models_bucket, result["artifact_keys"]["gpt"], str(gpt_path))
    state = torch.load(gpt_path, weights_only=True)
    assert not any(k.startswith(("hifigan", "dvae", "speaker_encoder")) for k in state)
    base = load_base_model(tiny_model)
    gpt = load_finetuned_gpt(base, gpt_path)  # strict=True inside
    assert not torch.equal(gpt.mel_head.weight, base.gpt.mel_head.weight)  # it did learn
    # Progress reached MongoDB; checkpoints were removed once the voice was stored.
    job = store.training.get("bob", "trn_ft")
    assert job.progress >= 0.95 and job.stage == "uploading"
    assert _keys(aws, settings.models_bucket, "checkpoints/bob/trn_ft/") == []


def test_clip_without_transcript_and_no_asr_fails_with_a_clear_cause(
    settings, aws, store, machine, trainer_worker, speech
):
    clips = upload_clips(aws, settings.samples_bucket, "bob", "trn_asr", speech[:2])
    clips[0]["transcript"] = None  # a training clip: the shorter one is held out for the evaluation
    create_training_job(store, "bob", "trn_asr", "voice_t")
    execution = machine.start("trn_asr", "bob", "train", _payload(clips))
    poll_until_handled(trainer_worker)
    assert machine.wait(execution)["status"] == "FAILED"
    (sent,) = trainer_worker.sfn.sent_failures
    assert sent["error"] == "BadInput"
    assert "no transcript" in sent["cause"] and "ASR" in sent["cause"]


def _run_in_background(worker):
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.update(result=_poll(worker)), daemon=True)
    thread.start()
    return thread, outcome


def _poll(worker):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        messages = worker.sqs.receive_message(QueueUrl=worker.settings.queue_url, WaitTimeSeconds=1, MaxNumberOfMessages=1)
        if messages.get("Messages"):
            return worker.process(messages["Messages"][0])
    return None


def _wait_for_stage(store, user_id, job_id, stage, timeout_s=60):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = store.training.get(user_id, job_id)
        if job.stage == stage and job.progress > 0.1:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job never reached stage {stage}")


def test_cancel_during_fine_tune_answers_cancelled_and_keeps_no_voice(
    settings, aws, store, machine, trainer_worker, speech
):
    clips = upload_clips(aws, settings.samples_bucket, "bob", "trn_cancel", speech)
    create_training_job(store, "bob", "trn_cancel", "voice_t")
    execution = machine.start("trn_cancel", "bob", "train", _payload(clips, epochs=200, batch_size=2))
    thread, outcome = _run_in_background(trainer_worker)
    _wait_for_stage(store, "bob", "trn_cancel", "training")
    store.training.transition("bob", "trn_cancel", JobStatus.CANCELLED)  # what the API's cancel does first
    thread.join(timeout=60)
    assert outcome["result"] == "cancelled"
    assert machine.wait(execution)["status"] == "FAILED"
    assert trainer_worker.sfn.sent_failures[0]["error"] == "Cancelled"
    assert _keys(aws, settings.models_bucket, "voices/bob/") == []


def test_sigterm_checkpoints_and_releases_the_message_for_another_worker(
    settings, aws, store, machine, trainer_worker, speech
):
    clips = upload_clips(aws, settings.samples_bucket, "bob", "trn_stop", speech)
    create_training_job(store, "bob", "trn_stop", "voice_t")
    machine.start("trn_stop", "bob", "train", _payload(clips, epochs=200, batch_size=2, checkpoint_every_steps=1000))
    thread, outcome = _run_in_background(trainer_worker)
    _wait_for_stage(store, "bob", "trn_stop", "training")
    trainer_worker.request_stop("SIGTERM")
    thread.join(timeout=60)
    assert outcome["result"] == "released"
    (checkpoint,) = _keys(aws, settings.models_bucket, "checkpoints/bob/trn_stop/")
    assert checkpoint.endswith(".pt") and not checkpoint.endswith("step_00000000.pt")
    # The message is visible again at once (visibility 0), with its task token unanswered.
    again = aws.client("sqs").receive_message(QueueUrl=machine.queue_url, WaitTimeSeconds=2)
    assert json.loads(again["Messages"][0]["Body"])["job_id"] == "trn_stop"
    assert trainer_worker.sfn.sent_failures == []
