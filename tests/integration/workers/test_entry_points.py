"""The container entry points as real processes on CPU: they start, poll a local queue, handle a job,
exit cleanly on SIGTERM; and a trainer killed with SIGKILL mid-run is finished by another from its
last checkpoint, not from zero."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.integration.workers.conftest import (
    MAX_NEW_TOKENS,
    create_training_job,
    create_tts_job,
    make_worker,
    poll_until_handled,
    upload_clips,
    upload_voice,
)
from voiceclone.workers.trainer import TrainHandler


def _start(module: str, tiny_model, extra_env: dict[str, str], log_path) -> subprocess.Popen:
    env = {
        **os.environ,  # the settings fixture exported VOICECLONE_* and the moto endpoint
        "VOICECLONE_XTTS_MODEL_DIR": str(tiny_model),
        "VOICECLONE_XTTS_MAX_NEW_TOKENS": str(MAX_NEW_TOKENS),
        "VOICECLONE_WORKER_DEVICE": "cpu",
        "VOICECLONE_WORKER_HEARTBEAT_S": "0.5",
        "VOICECLONE_WORKER_POLL_WAIT_S": "1",
        "VOICECLONE_WORKER_PROGRESS_INTERVAL_S": "0",
        **extra_env,
    }
    log = open(log_path, "w")  # noqa: SIM115 - the process writes to it until it ends
    return subprocess.Popen([sys.executable, "-m", module], env=env, stdout=log, stderr=subprocess.STDOUT)


def _wait_until(predicate, timeout_s: float, what: str, process: subprocess.Popen | None = None, log=None):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        if process is not None and process.poll() is not None:
            raise AssertionError(f"worker exited ({process.returncode}) before {what}:\n{log.read_text()[-3000:]}")
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def test_synth_entry_point_polls_handles_a_job_and_stops_on_sigterm(
    settings, aws, store, machine, instant_voice_files, tiny_model, tmp_path
):
    keys = upload_voice(aws, settings.models_bucket, "carol", "voice_c", instant_voice_files)
    create_tts_job(store, "carol", "tts_entry", "voice_c", "Hello from the synth container.")
    log = tmp_path / "synth.log"
    process = _start("voiceclone.workers.synth", tiny_model, {"VOICECLONE_SYNTH_QUEUE_URL": machine.queue_url}, log)
    try:
        execution = machine.start(
            "tts_entry",
            "carol",
            "synthesize",
            {
                "voice_id": "voice_c",
                "model_type": "xtts_v2_instant",
                "voice_artifact_keys": keys,
                "text": "Hello from the synth container.",
                "output_format": "wav",
                "output_key": "tts/carol/tts_entry.wav",
            },
        )
        _wait_until(
            lambda: _done(machine, execution), 90, "the job", process, log
        )
        assert machine.wait(execution)["status"] == "SUCCEEDED"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert "voice cache miss" in log.read_text()


def _done(machine, execution) -> bool:
    return machine.aws.client("stepfunctions").describe_execution(executionArn=execution)["status"] != "RUNNING"


def _checkpoint_keys(aws, bucket, prefix):
    listed = aws.client("s3").list_objects_v2(Bucket=bucket, Prefix=prefix)
    return [item["Key"] for item in listed.get("Contents", [])]


@pytest.mark.timeout(300)
def test_trainer_killed_mid_run_is_finished_by_another_from_its_checkpoint(
    settings, aws, store, machine, registry, speech, tiny_model, tmp_path
):
    clips = upload_clips(aws, settings.samples_bucket, "dave", "trn_kill", speech)
    create_training_job(store, "dave", "trn_kill", "voice_k")
    execution = machine.start(
        "trn_kill",
        "dave",
        "train",
        {
            "voice_id": "voice_k",
            "model_type": "xtts_v2",
            "config": {"epochs": 5, "batch_size": 2, "checkpoint_every_steps": 3},
            "clips": clips,
        },
    )
    log = tmp_path / "trainer.log"
    first = _start(
        "voiceclone.workers.trainer",
        tiny_model,
        {"VOICECLONE_TRAIN_QUEUE_URL": machine.queue_url, "VOICECLONE_WORKER_VISIBILITY_TIMEOUT_S": "4"},
        log,
    )
    prefix = "checkpoints/dave/trn_kill/"
    try:
        _wait_until(lambda: _checkpoint_keys(aws, settings.models_bucket, prefix), 120, "a checkpoint", first, log)
    finally:
        first.send_signal(signal.SIGKILL)  # no chance to clean up: the message stays in flight
        first.wait(timeout=30)
    (checkpoint,) = _checkpoint_keys(aws, settings.models_bucket, prefix)
    killed_at = int(checkpoint.rsplit("_", 1)[1].removesuffix(".pt"))
    assert killed_at >= 3

    # The message comes back after its visibility timeout; a second worker picks it up.
    second = make_worker(
        TrainHandler(settings, registry, aws.client("s3")), machine.queue_url, store, aws, interrupt_on_stop=True
    )
    poll_until_handled(second, timeout_s=60)
    described = machine.wait(execution)
    assert described["status"] == "SUCCEEDED", described
    metrics = json.loads(described["output"])["metrics"]
    assert metrics["resumed_from_step"] >= killed_at  # not from zero
    assert metrics["steps"] == 10.0  # 5 epochs x ceil(3 clips / 2), 2 of 5 held out for evaluation: the full length
    assert "resumed fine-tuning from step" not in log.read_text()  # the first one started fresh
