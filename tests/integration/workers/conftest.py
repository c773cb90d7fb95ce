"""Fixtures for the worker tests: the tiny model, a queue, a one-task state machine for real task tokens.

The state machine has a single `sqs:sendMessage.waitForTaskToken` task whose body is the worker message
built from the execution input, so every test job carries a real Step Functions task token.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.speech import english_utterances
from voiceclone.domain.jobs import JobStatus
from voiceclone.domain.training import TrainingJob
from voiceclone.domain.tts import TtsJob
from voiceclone.engines.registry import EngineOptions, EngineRegistry
from voiceclone.engines.xtts.tiny import tiny_xtts_dir
from voiceclone.store import Store
from voiceclone.workers.loop import LoopSettings, Worker
from voiceclone.workers.tracking import StoreJobTracker

MAX_NEW_TOKENS = 24  # random weights never stop: ~1.1 s of audio per text chunk
ROLE_ARN = "arn:aws:iam::123456789012:role/voiceclone-test-sfn"


@pytest.fixture(scope="session")
def tiny_model() -> Path:
    return tiny_xtts_dir()


@pytest.fixture(scope="session")
def registry(tiny_model: Path) -> EngineRegistry:
    """Shared across tests so the tiny base model loads once."""
    return EngineRegistry(EngineOptions(xtts_model_dir=tiny_model, device="cpu", max_new_tokens=MAX_NEW_TOKENS))


@pytest.fixture
def store(settings) -> Store:
    return Store.from_settings(settings)


@pytest.fixture
def queue_url(aws) -> str:
    return aws.create_queue(f"gpu-jobs-{uuid.uuid4().hex[:8]}")


@dataclass
class TaskTokenMachine:
    """Starts executions whose one task puts a worker message (with a real token) on the queue."""

    aws: object
    queue_url: str
    arn: str
    executions: list[str] = field(default_factory=list)

    def start(self, job_id: str, user_id: str, kind: str, payload: dict) -> str:
        sfn = self.aws.client("stepfunctions")
        arn = sfn.start_execution(
            stateMachineArn=self.arn,
            name=job_id,
            input=json.dumps({"job_id": job_id, "user_id": user_id, "kind": kind, "payload": payload}),
        )["executionArn"]
        self.executions.append(arn)
        return arn

    def wait(self, execution_arn: str, timeout_s: float = 60) -> dict:
        sfn = self.aws.client("stepfunctions")
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            described = sfn.describe_execution(executionArn=execution_arn)
            if described["status"] != "RUNNING":
                return described
            time.sleep(0.2)
        raise AssertionError(f"execution {execution_arn} still running after {timeout_s} s")

    def failure(self, execution_arn: str) -> dict:
        """The error and cause of the execution's failed task (from its history)."""
        events = self.aws.client("stepfunctions").get_execution_history(executionArn=execution_arn)["events"]
        for event in events:
            details = event.get("taskFailedEventDetails") or event.get("executionFailedEventDetails")
            if details:
                return details
        raise AssertionError(f"no failure in the history of {execution_arn}")


@pytest.fixture
def machine(aws, queue_url) -> TaskTokenMachine:
    definition = {
        "StartAt": "Work",
        "States": {
            "Work": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {
                    "QueueUrl": queue_url,
                    "MessageBody": {
                        "task_token.$": "$$.Task.Token",
                        "job_id.$": "$.job_id",
                        "user_id.$": "$.user_id",
                        "kind.$": "$.kind",
                        "payload.$": "$.payload",
                    },
                },
                # moto accepts SendTaskHeartbeat only for a task that declares HeartbeatSeconds.
                "HeartbeatSeconds": 60,
                "TimeoutSeconds": 600,  # moto's default is 60 s: a training plus its evaluation may take longer
                "End": True,
            }
        },
    }
    arn = aws.client("stepfunctions").create_state_machine(
        name=f"worker-test-{uuid.uuid4().hex[:8]}", definition=json.dumps(definition), roleArn=ROLE_ARN
    )["stateMachineArn"]
    return TaskTokenMachine(aws, queue_url, arn)


def make_worker(handler, queue_url: str, store: Store, aws, **overrides) -> Worker:
    loop = LoopSettings(
        queue_url=queue_url,
        heartbeat_s=overrides.pop("heartbeat_s", 0.5),
        visibility_timeout_s=overrides.pop("visibility_timeout_s", 30),
        poll_wait_s=overrides.pop("poll_wait_s", 1),
        progress_interval_s=0.0,
        **overrides,
    )
    worker = Worker(handler, loop, sqs=aws.client("sqs"), sfn=recording_sfn(aws), tracker=StoreJobTracker(store))
    return worker


def recording_sfn(aws):
    """A real Step Functions client that also remembers the failures it sent.

    moto 5.2.5 drops SendTaskFailure's `cause` (its responses.py passes only `error`), so the execution
    history cannot show the cause; the request the worker really sent can.
    """
    client = aws.client("stepfunctions")
    client.sent_failures = []

    def remember(params, **_):
        client.sent_failures.append({"error": params.get("error"), "cause": params.get("cause")})

    client.meta.events.register("provide-client-params.sfn.SendTaskFailure", remember)
    return client


def poll_until_handled(worker: Worker, timeout_s: float = 30) -> None:
    """The state machine sends its message asynchronously: poll until one was handled."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if worker.poll_once():
            return
    raise AssertionError("no job message arrived")


def upload_clips(aws, bucket: str, user_id: str, job_id: str, utterances) -> list[dict]:
    s3 = aws.client("s3")
    clips = []
    for index, utterance in enumerate(utterances):
        key = f"prepared/{user_id}/{job_id}/smp_{index}/clip_000.wav"
        s3.upload_file(str(utterance.path), bucket, key)
        clips.append(
            {"key": key, "duration_s": utterance.duration_s, "transcript": utterance.transcript, "language": "en"}
        )
    return clips


@pytest.fixture(scope="session")
def speech():
    return english_utterances()


def create_training_job(store: Store, user_id: str, job_id: str, voice_id: str) -> TrainingJob:
    store.training.create(
        TrainingJob(user_id=user_id, job_id=job_id, voice_name="Test voice", sample_ids=["smp_0"], voice_id=voice_id)
    )
    return store.training.transition(user_id, job_id, JobStatus.PROCESSING)


def create_tts_job(store: Store, user_id: str, job_id: str, voice_id: str, text: str) -> TtsJob:
    store.tts.create(
        TtsJob(user_id=user_id, job_id=job_id, voice_model_id=voice_id, engine="xtts_v2_instant", text=text, characters=len(text))
    )
    return store.tts.transition(user_id, job_id, JobStatus.PROCESSING)


@pytest.fixture(scope="session")
def instant_voice_files(registry, speech, tmp_path_factory) -> dict[str, Path]:
    """An instant voice (conditioning latents) made once from real LibriVox speech."""
    from voiceclone.engines.base import FineTuneConfig, TrainingClip

    clips = [TrainingClip(u.path, u.duration_s, "en", u.transcript) for u in speech]
    work_dir = tmp_path_factory.mktemp("instant-voice")
    artifacts = registry.engine_for("xtts_v2_instant").create_voice(
        "xtts_v2_instant", clips, FineTuneConfig(), lambda fraction, stage: None, work_dir
    )
    return artifacts.files


def upload_voice(aws, bucket: str, user_id: str, voice_id: str, files: dict[str, Path]) -> dict[str, str]:
    s3 = aws.client("s3")
    keys = {}
    for name, path in files.items():
        keys[name] = f"voices/{user_id}/{voice_id}/{path.name}"
        s3.upload_file(str(path), bucket, keys[name])
    return keys
