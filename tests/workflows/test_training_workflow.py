"""The training state machine run by moto's interpreter: real orchestration Lambdas, the audio
engineer's enhance-sample, the real trainer worker on the tiny XTTS; jobs started as the API starts them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from voiceclone import blobs
from voiceclone.domain.jobs import JobStatus
from voiceclone.domain.voices import VoiceStatus
from voiceclone.services import training as training_service
from voiceclone.services import tts as tts_service

from .conftest import MAX_NEW_TOKENS, QUEUE_VISIBILITY_S
from .records import job_dict, ready_sample

USER = "alice"


@pytest.fixture
def samples(harness, speech):
    """The user's ready samples: real LibriVox utterances with their transcripts."""
    return [
        ready_sample(harness.store, harness.settings, USER, u.path.read_bytes(), u.transcript, "en", u.duration_s)
        for u in speech[:3]
    ]


def start(harness, samples, model_type="xtts_v2_instant", **config) -> dict:
    request = training_service.StartTrainingRequest(
        voice_name="My voice", sample_ids=[s.sample_id for s in samples],
        training_config={"model_type": model_type, **config},
    )
    return job_dict(harness.store.training, training_service.start_training(harness.store, harness.settings, USER, request))


def keys_under(aws, bucket: str, prefix: str) -> list[str]:
    listed = aws.client("s3").list_objects_v2(Bucket=bucket, Prefix=prefix)
    return [item["Key"] for item in listed.get("Contents", [])]


def test_instant_voice_is_trained_registered_and_speaks(harness, workers, samples, aws):
    workers.start("train")
    workers.start("synthesize")
    job = start(harness, samples)
    described = harness.wait_execution(job["execution_arn"], timeout_s=180)
    assert described["status"] == "SUCCEEDED", described
    done = harness.store.training.get(USER, job["job_id"])
    assert done.status == JobStatus.COMPLETED and done.result_model_id == done.voice_id and done.progress == 1.0
    voice = harness.store.voices.get(USER, done.voice_id)
    assert voice.status == VoiceStatus.READY and voice.languages == ["en"]
    assert voice.artifact_keys and all(
        keys_under(aws, harness.settings.models_bucket, key) == [key] for key in voice.artifact_keys.values()
    )
    # scratch objects go once the voice exists
    assert keys_under(aws, harness.settings.samples_bucket, blobs.prepared_prefix(USER, done.job_id)) == []
    # and the new voice speaks through the TTS state machine
    request = tts_service.GenerateRequest(text="My new voice speaks.", voice_model_id=voice.voice_id)
    spoken = job_dict(harness.store.tts, tts_service.generate(harness.store, harness.settings, USER, request))
    assert harness.wait_execution(spoken["execution_arn"])["status"] == "SUCCEEDED"


def test_cancel_during_training_ends_cancelled_with_no_voice_and_frees_the_worker(harness, workers, samples, aws):
    workers.start("train")
    job = start(harness, samples, model_type="xtts_v2", epochs=200, batch_size=2)
    deadline = time.monotonic() + 120
    while harness.store.training.get(USER, job["job_id"]).stage not in ("training",) and time.monotonic() < deadline:
        time.sleep(0.2)  # wait until the worker is really training
    assert harness.store.training.get(USER, job["job_id"]).stage == "training"
    training_service.cancel_job(harness.store, USER, job["job_id"])
    described = harness.wait_execution(job["execution_arn"], timeout_s=60)
    assert described["status"] in ("FAILED", "ABORTED")  # moto may or may not honour the stop
    cancelled = harness.store.training.get(USER, job["job_id"])
    assert cancelled.status == JobStatus.CANCELLED and cancelled.result_model_id is None
    voice = harness.store.voices.find(USER, cancelled.voice_id)
    assert voice is not None and voice.status == VoiceStatus.FAILED
    assert keys_under(aws, harness.settings.models_bucket, blobs.voice_prefix(USER, cancelled.voice_id)) == []
    # the same worker takes the next job
    after = start(harness, samples)
    assert harness.wait_execution(after["execution_arn"], timeout_s=120)["status"] == "SUCCEEDED"


def _trainer_process(settings) -> subprocess.Popen:
    """A trainer worker in its own process, as a container runs it (so it can be killed for real)."""
    from voiceclone.engines.xtts.tiny import tiny_xtts_dir

    env = {
        **os.environ,
        "VOICECLONE_XTTS_MODEL_DIR": str(tiny_xtts_dir()),
        "VOICECLONE_XTTS_MAX_NEW_TOKENS": str(MAX_NEW_TOKENS),
        "VOICECLONE_WORKER_DEVICE": "cpu",
        "VOICECLONE_WORKER_HEARTBEAT_S": "0.5",
        "VOICECLONE_WORKER_POLL_WAIT_S": "1",
        "VOICECLONE_WORKER_VISIBILITY_TIMEOUT_S": str(QUEUE_VISIBILITY_S),
        "VOICECLONE_WORKER_PROGRESS_INTERVAL_S": "0",
    }
    return subprocess.Popen([sys.executable, "-m", "voiceclone.workers.trainer"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_a_trainer_killed_mid_run_is_replaced_and_the_job_completes_from_its_checkpoint(harness, workers, samples, aws):
    job = start(harness, samples, model_type="xtts_v2", epochs=6, batch_size=2)
    checkpoints = blobs.checkpoint_prefix(USER, job["job_id"])
    process = _trainer_process(harness.settings)
    try:
        deadline = time.monotonic() + 240
        while not keys_under(aws, harness.settings.models_bucket, checkpoints) and time.monotonic() < deadline:
            assert process.poll() is None, "the trainer process died on its own"
            time.sleep(0.2)
        assert keys_under(aws, harness.settings.models_bucket, checkpoints), "no checkpoint was written"
        process.send_signal(signal.SIGKILL)  # no goodbye: the message comes back after its visibility timeout
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
    workers.start("train")
    described = harness.wait_execution(job["execution_arn"], timeout_s=240)
    assert described["status"] == "SUCCEEDED", described
    voice = harness.store.voices.get(USER, harness.store.training.get(USER, job["job_id"]).voice_id)
    assert voice.status == VoiceStatus.READY
    assert voice.quality_report["resumed_from_step"] > 0  # not from zero
