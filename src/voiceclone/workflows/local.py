"""The workflows in the local run: the same definitions as in AWS, executed by moto's interpreter.

`setup_local(stack)` is the hook `voiceclone.local.stack.LocalStack` calls at start: it registers the
orchestration Lambdas for in-process dispatch, renders and creates both state machines, points the
settings at them, fails jobs a previous run left behind, starts the sweeper on a timer and the CPU
workers on the local queues. Any object with the stack's hook API (`register_lambda`,
`create_state_machine`, `configure`, `on_stop`, `client`, `settings`) will do; the tests use one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from voiceclone.config import Settings
from voiceclone.domain.timeutil import utcnow
from voiceclone.store import get_store
from voiceclone.workflows import batch as batch_steps
from voiceclone.workflows import definitions as d
from voiceclone.workflows import failure, sweeper
from voiceclone.workflows.events import CaughtError

logger = logging.getLogger(__name__)

SWEEP_INTERVAL_S = 60.0
TINY_MODEL_MAX_NEW_TOKENS = 60  # random weights never emit the stop token
LOCAL_POLL_WAIT_S = 2
ORPHANED_MESSAGE = "the platform restarted while this job ran; please start it again"


def function_name(placeholder: str) -> str:
    """Local Lambda function name for a placeholder: MarkProcessingFunctionArn -> voiceclone-mark-processing."""
    module = d.LAMBDA_HANDLERS[placeholder].rsplit(".", 1)[1]
    return "voiceclone-" + module.replace("_", "-")


@dataclass(frozen=True)
class LocalWorkflows:
    training_state_machine_arn: str
    tts_state_machine_arn: str
    substitutions: dict[str, str]
    tts_batch_state_machine_arn: str = ""


def deploy(
    stack: Any,
    *,
    train_heartbeat_s: int = d.TRAIN_HEARTBEAT_S,
    synth_heartbeat_s: int = d.SYNTH_HEARTBEAT_S,
) -> LocalWorkflows:
    """Register the Lambdas, create both state machines from the definitions, configure their ARNs."""
    settings: Settings = stack.settings
    substitutions = {
        placeholder: stack.register_lambda(function_name(placeholder), f"{module}:lambda_handler")
        for placeholder, module in d.LAMBDA_HANDLERS.items()
    }
    substitutions[d.TRAIN_QUEUE_URL] = settings.train_queue_url
    substitutions[d.SYNTH_QUEUE_URL] = settings.synth_queue_url
    training = d.training_definition(heartbeat_s=train_heartbeat_s)
    tts = d.tts_definition(heartbeat_s=synth_heartbeat_s)
    tts_batch = d.tts_batch_definition(heartbeat_s=synth_heartbeat_s)
    workflows = LocalWorkflows(
        training_state_machine_arn=stack.create_state_machine(
            d.TRAINING_STATE_MACHINE, d.render(training, substitutions)
        ),
        tts_state_machine_arn=stack.create_state_machine(d.TTS_STATE_MACHINE, d.render(tts, substitutions)),
        substitutions=substitutions,
        tts_batch_state_machine_arn=stack.create_state_machine(
            d.TTS_BATCH_STATE_MACHINE, d.render(tts_batch, substitutions)
        ),
    )
    stack.configure(
        training_state_machine_arn=workflows.training_state_machine_arn,
        tts_state_machine_arn=workflows.tts_state_machine_arn,
        tts_batch_state_machine_arn=workflows.tts_batch_state_machine_arn,
    )
    return workflows


def fail_orphaned_jobs(settings: Settings, sfn: Any) -> list[str]:
    """Active jobs whose execution this moto does not know (a previous run's) end failed, not stuck."""
    store = get_store(settings)
    failed = []
    horizon = utcnow() + timedelta(days=36500)  # every active job is "past" this deadline
    for kind, jobs in (("training", store.training), ("tts", store.tts)):
        for job in jobs.list_past_deadline(horizon, limit=10_000):
            if sweeper.execution_status(sfn, job.execution_arn) == sweeper.RUNNING:
                continue
            error = CaughtError(error=sweeper.DEADLINE_ERROR, cause=ORPHANED_MESSAGE)
            if failure.fail_job(store, settings, kind, job.user_id, job.job_id, error)["status"] == "failed":
                failed.append(job.job_id)
    for batch in store.batches.list_past_deadline(horizon, limit=10_000):
        if sweeper.execution_status(sfn, batch.execution_arn) != sweeper.RUNNING:
            error = CaughtError(error="DeadlineExceeded", cause=ORPHANED_MESSAGE)
            if batch_steps.fail(store, settings, batch.user_id, batch.batch_id, error)["status"] == "failed":
                failed.append(batch.batch_id)
    return failed


class PeriodicSweeper:
    """The EventBridge schedule of AWS, as a daemon thread."""

    def __init__(self, sweep_once: Callable[[], Any], interval_s: float = SWEEP_INTERVAL_S) -> None:
        self._sweep_once = sweep_once
        self._interval_s = interval_s
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sweeper", daemon=True)

    def start(self) -> PeriodicSweeper:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stopping.wait(self._interval_s):
            try:
                self._sweep_once()
            except Exception:  # a failed sweep is retried at the next tick
                logger.exception("sweep failed")


class CpuWorkers:
    """The trainer and synth job loops of the GPU containers, as threads polling the local queues."""

    def __init__(self, settings: Settings, kinds: tuple[str, ...] = ("train", "synthesize")) -> None:
        from voiceclone.workers import synth, trainer

        builders = {"train": trainer.build_worker, "synthesize": synth.build_worker}
        self.workers = {kind: builders[kind](settings) for kind in kinds}
        self._threads = [
            threading.Thread(target=worker.run, name=f"cpu-worker-{kind}", daemon=True)
            for kind, worker in self.workers.items()
        ]

    def start(self) -> CpuWorkers:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self, timeout_s: float = 60) -> None:
        for worker in self.workers.values():
            worker.request_stop("local run stopping")
        for thread in self._threads:
            thread.join(timeout_s)


def _use_tiny_model_unless_configured(stack: Any) -> None:
    """Without a configured XTTS model (folder or models bucket), build the tiny random test model.

    Its speech is babble, not words: enough to run every step locally; configure the real model
    (`voiceclone models fetch xtts_v2`) for real voices.
    """
    settings: Settings = stack.settings
    if settings.xtts_model_dir:
        return
    listed = stack.client("s3").list_objects_v2(Bucket=settings.models_bucket, Prefix="base/xtts_v2/", MaxKeys=1)
    if listed.get("KeyCount", 0):
        return
    from voiceclone.engines.xtts.tiny import tiny_xtts_dir

    logger.warning("no XTTS model configured: using the tiny random test model (it babbles, it does not speak)")
    stack.configure(
        xtts_model_dir=str(tiny_xtts_dir()),
        xtts_max_new_tokens=settings.xtts_max_new_tokens or TINY_MODEL_MAX_NEW_TOKENS,
        worker_device=settings.worker_device or "cpu",
    )


def _start_workers(stack: Any) -> None:
    from voiceclone.engines.base import ModelUnavailable

    _use_tiny_model_unless_configured(stack)
    if stack.settings.worker_poll_wait_s > LOCAL_POLL_WAIT_S:
        stack.configure(worker_poll_wait_s=LOCAL_POLL_WAIT_S)  # so a stop does not wait out a long poll
    try:
        workers = CpuWorkers(stack.settings).start()
    except (SystemExit, ModelUnavailable) as error:  # no queue or model configured: the API still serves
        logger.warning("no CPU workers (%s): GPU steps wait in the queue until their heartbeat times out", error)
        return
    stack.on_stop(workers.stop)
    _register_engines(stack, workers)
    _share_synth_engines(stack, workers)


def _share_synth_engines(stack: Any, workers: CpuWorkers) -> None:
    """The real-time app speaks with the CPU synth worker's engines and voice cache (one model in memory)."""
    synth = workers.workers.get("synthesize")
    handler = getattr(synth, "handler", None) if synth is not None else None
    stack.synth_handler = getattr(handler, "single", handler)


def _register_engines(stack: Any, workers: CpuWorkers) -> None:
    """The CPU synth worker records the engines it serves in engine_status, as a GPU container does."""
    from voiceclone.workers.resources import register_engines

    for worker in workers.workers.values():
        registration = register_engines(worker, stack.settings)
        if registration is not None:
            registration()
            stack.on_stop(registration.withdraw)


def refresh_engines(stack: Any) -> None:
    """engine_status from the local keys (ELEVENLABS_API_KEY, OPENAI_API_KEY, AZURE_SPEECH_KEY) and the
    local models bucket; a failure is logged (the listing then says "not checked yet")."""
    from voiceclone.workflows.engine_status import refresh_engine_status

    try:
        refresh_engine_status(get_store(stack.settings), stack.settings, stack.client("s3"))
    except Exception:
        logger.exception("engine status not refreshed")


def setup_local(stack: Any, *, start_workers: bool = True, sweep_interval_s: float = SWEEP_INTERVAL_S) -> LocalWorkflows:
    """The LocalStack hook: state machines, orphan cleanup, periodic sweeper, CPU workers."""
    workflows = deploy(stack)
    sfn = stack.client("stepfunctions")
    orphaned = fail_orphaned_jobs(stack.settings, sfn)
    if orphaned:
        logger.info("failed %d job(s) left running by a previous run", len(orphaned))

    def sweep_once() -> None:
        settings = stack.settings
        sweeper.sweep(get_store(settings), settings, sfn)
        refresh_engines(stack)  # as the sweeper Lambda does after each sweep

    stack.on_stop(PeriodicSweeper(sweep_once, sweep_interval_s).start().stop)
    # At start, off the start path: a provider's probe may take its timeout.
    threading.Thread(target=refresh_engines, args=(stack,), name="engine-status", daemon=True).start()
    if start_workers:
        _start_workers(stack)
    logger.info("state machines ready: %s, %s", d.TRAINING_STATE_MACHINE, d.TTS_STATE_MACHINE)
    return workflows
