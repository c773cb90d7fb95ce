"""A workflow harness on the shared fixtures: real SecantusDB, real moto (Step Functions executing the
definitions, Lambda tasks dispatched in-process to the real orchestration handlers), fresh queues.

`WorkflowStack` offers the hook API of `voiceclone.local.stack.LocalStack` that
`voiceclone.workflows.local` uses, on the per-test settings of tests/conftest.py.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from voiceclone import config
from voiceclone.local import lambdas
from voiceclone.local.aws import ensure_queue
from voiceclone.store import Store, get_store

ROLE = "arn:aws:iam::123456789012:role/voiceclone-test-states"
# Short so a dead worker's message comes back quickly; workers extend it while they work.
QUEUE_VISIBILITY_S = 10


@dataclass
class WorkflowStack:
    aws: Any
    monkeypatch: pytest.MonkeyPatch
    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    stops: list[Callable[[], None]] = field(default_factory=list)

    @property
    def settings(self) -> config.Settings:
        return config.get_settings()

    def client(self, service: str) -> Any:
        return self.aws.client(service)

    def configure(self, **fields: Any) -> None:
        for name, value in fields.items():
            self.monkeypatch.setenv(f"VOICECLONE_{name.upper()}", str(value))
        config.get_settings.cache_clear()

    def register_lambda(self, name: str, handler_path: str) -> str:
        lambdas.register(name, handler_path)
        return lambdas.create_function(self.client("lambda"), lambdas.ensure_role(self.client("iam")), name)

    def create_state_machine(self, name: str, definition: dict) -> str:
        sfn = self.client("stepfunctions")
        return sfn.create_state_machine(
            name=f"{name}-{uuid.uuid4().hex[:8]}", definition=json.dumps(definition), roleArn=ROLE
        )["stateMachineArn"]

    def on_stop(self, callback: Callable[[], None]) -> None:
        self.stops.append(callback)

    def stop(self) -> None:
        for callback in reversed(self.stops):
            callback()


@dataclass
class Harness:
    stack: WorkflowStack
    store: Store

    @property
    def settings(self) -> config.Settings:
        return config.get_settings()

    def sfn(self):
        return self.stack.client("stepfunctions")

    def execution_arn(self, machine_arn: str, job_id: str) -> str:
        return machine_arn.replace(":stateMachine:", ":execution:") + f":{job_id}"

    def wait_execution(self, execution_arn: str, timeout_s: float = 120) -> dict:
        """The execution once it ended (describe_execution), or its RUNNING state at the timeout."""
        deadline = time.monotonic() + timeout_s
        while True:
            described = self.sfn().describe_execution(executionArn=execution_arn)
            if described["status"] != "RUNNING" or time.monotonic() > deadline:
                return described
            time.sleep(0.1)

    def history(self, execution_arn: str) -> list[dict]:
        return self.sfn().get_execution_history(executionArn=execution_arn)["events"]


@pytest.fixture
def workflow_stack(settings, aws, monkeypatch):
    """Per-test queues and state machines (short heartbeats) on the per-test database and buckets."""
    from voiceclone.workflows import local

    lambdas.install_dispatch()
    stack = WorkflowStack(aws=aws, monkeypatch=monkeypatch)
    sqs = aws.client("sqs")
    stack.configure(
        train_queue_url=ensure_queue(sqs, f"train-{stack.suffix}", {"VisibilityTimeout": str(QUEUE_VISIBILITY_S)}),
        synth_queue_url=ensure_queue(sqs, f"synth-{stack.suffix}", {"VisibilityTimeout": str(QUEUE_VISIBILITY_S)}),
    )
    stack.configure(training_checkpoint_every_steps=2)  # often, so a killed trainer has one to resume from
    local.deploy(stack, train_heartbeat_s=60, synth_heartbeat_s=60)
    yield stack
    stack.stop()


@pytest.fixture
def harness(workflow_stack) -> Harness:
    return Harness(stack=workflow_stack, store=get_store(workflow_stack.settings))


# -- CPU workers on the tiny model ---------------------------------------------------------------
MAX_NEW_TOKENS = 24  # random weights never stop: ~1.1 s of audio per text chunk


@pytest.fixture(scope="session")
def registry():
    """The engines on the tiny XTTS, shared by every test so the base model loads once."""
    from voiceclone.engines.registry import EngineOptions, EngineRegistry
    from voiceclone.engines.xtts.tiny import tiny_xtts_dir

    return EngineRegistry(EngineOptions(xtts_model_dir=tiny_xtts_dir(), device="cpu", max_new_tokens=MAX_NEW_TOKENS))


class Workers:
    """The real trainer and synth job loops, each in a thread on this test's queues."""

    def __init__(self, settings, registry, aws, heartbeat_s: float = 0.5) -> None:
        from voiceclone.workers.loop import LoopSettings, Worker
        from voiceclone.workers.synth import SynthHandler
        from voiceclone.workers.tracking import StoreJobTracker
        from voiceclone.workers.trainer import TrainHandler
        from voiceclone.workers.voice_cache import VoiceCache

        s3 = aws.client("s3")
        tracker = StoreJobTracker(get_store(settings))

        def loop(queue_url: str, interrupt: bool) -> LoopSettings:
            return LoopSettings(queue_url=queue_url, heartbeat_s=heartbeat_s, visibility_timeout_s=QUEUE_VISIBILITY_S,
                                poll_wait_s=1, progress_interval_s=0.0, interrupt_on_stop=interrupt)

        clients = {"sqs": aws.client("sqs"), "sfn": aws.client("stepfunctions"), "tracker": tracker}
        self.handlers = {
            "train": TrainHandler(settings, registry, s3),
            "synthesize": SynthHandler(settings, registry, s3, VoiceCache(256 * 1024 * 1024)),
        }
        self.make = {
            "train": lambda: Worker(self.handlers["train"], loop(settings.train_queue_url, True), **clients),
            "synthesize": lambda: Worker(self.handlers["synthesize"], loop(settings.synth_queue_url, False), **clients),
        }
        self.running: list[tuple[Any, Any]] = []

    def start(self, kind: str):
        import threading

        worker = self.make[kind]()
        thread = threading.Thread(target=worker.run, name=f"test-{kind}-worker", daemon=True)
        thread.start()
        self.running.append((worker, thread))
        return worker

    def stop(self) -> None:
        for worker, _ in self.running:
            worker.request_stop("test over")
        for _, thread in self.running:
            thread.join(60)
        self.running.clear()


@pytest.fixture
def workers(workflow_stack, registry, aws):
    running = Workers(workflow_stack.settings, registry, aws)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def speech():
    from tests.support.speech import english_utterances

    return english_utterances()


@pytest.fixture(scope="session")
def instant_voice_files(registry, speech, tmp_path_factory):
    """An instant voice (conditioning latents) made once from real LibriVox speech."""
    from voiceclone.engines.base import FineTuneConfig, TrainingClip

    clips = [TrainingClip(u.path, u.duration_s, "en", u.transcript) for u in speech]
    artifacts = registry.engine_for("xtts_v2_instant").create_voice(
        "xtts_v2_instant", clips, FineTuneConfig(), lambda fraction, stage: None, tmp_path_factory.mktemp("voice")
    )
    return artifacts.files


def eventually(condition, timeout_s: float = 10.0, interval_s: float = 0.05) -> bool:
    """True once `condition()` holds (polled), False if it never did within `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval_s)
    return True
