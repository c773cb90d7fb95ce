"""Fixes to moto 5.2.5 where it departs from AWS in ways the platform relies on; the local moto server
installs them when it starts (`voiceclone.local.aws.start_moto_server`). In-process Lambda dispatch,
the other patch of moto, lives with the Lambda registry in `voiceclone.local.lambdas`.
"""

from __future__ import annotations

from typing import Any


def install_moto_fixes() -> None:
    """Installs each fix below. Idempotent."""
    _pass_send_task_failure_cause()
    _keep_early_callbacks()


def _pass_send_task_failure_cause() -> None:
    """moto 5.2.5 drops SendTaskFailure's `cause` (its response parser never reads it); pass it on,
    so the worker's message reaches fail-job as it does in AWS. Idempotent."""
    from moto.core.responses import EmptyResult
    from moto.stepfunctions.responses import StepFunctionResponse

    if getattr(StepFunctionResponse.send_task_failure, "_voiceclone_fixed", False):
        return

    def send_task_failure(self: Any) -> Any:
        backend = self.stepfunction_backend
        token, error, cause = self._get_param("taskToken"), self._get_param("error"), self._get_param("cause")
        try:
            backend.send_task_failure(token, error=error, cause=cause)
        except TypeError:  # the plain backend (execution off) takes no cause
            backend.send_task_failure(token, error=error)
        return EmptyResult()

    send_task_failure._voiceclone_fixed = True  # type: ignore[attr-defined]
    StepFunctionResponse.send_task_failure = send_task_failure  # type: ignore[method-assign]  # a deliberate patch of moto


def _keep_early_callbacks() -> None:
    """moto 5.2.5 sets up a task's heartbeat endpoint only after its SQS message is sent; a worker that
    answers the token before that (a job refused in milliseconds) has its answer ignored until the
    heartbeat times out. AWS takes the answer whenever it comes: wake the new endpoint when an outcome
    is already there."""
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackEndpoint

    original = CallbackEndpoint.setup_heartbeat_endpoint
    if getattr(original, "_voiceclone_fixed", False):
        return

    def setup_heartbeat_endpoint(self: Any, heartbeat_seconds: int) -> Any:
        endpoint = original(self, heartbeat_seconds)
        if self.get_outcome() is not None:
            endpoint.notify()
        return endpoint

    setup_heartbeat_endpoint._voiceclone_fixed = True  # type: ignore[attr-defined]
    CallbackEndpoint.setup_heartbeat_endpoint = setup_heartbeat_endpoint  # type: ignore[method-assign]  # a deliberate patch of moto
