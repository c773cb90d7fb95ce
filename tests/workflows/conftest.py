"""A workflow harness on the shared fixtures: real SecantusDB, real moto (Step Functions executing the
definitions, Lambda tasks dispatched in-process to the real orchestration handlers), fresh queues.

`WorkflowStack` offers the hook API of `voiceclone.local.stack.LocalStack` that
`voiceclone.workflows.local` uses, on the per-test settings of tests/conftest.py.
"""

from __future__ import annotations

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
QUEUE_VISIBILITY_S = 20


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
        import json

        sfn = self.client("stepfunctions")
        return sfn.create_state_machine(
            name=f"{name}-{self.suffix}", definition=json.dumps(definition), roleArn=ROLE
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
    local.deploy(stack, train_heartbeat_s=60, synth_heartbeat_s=60)
    yield stack
    stack.stop()


@pytest.fixture
def harness(workflow_stack) -> Harness:
    return Harness(stack=workflow_stack, store=get_store(workflow_stack.settings))
