"""Logs, metrics and traces of every component: service names, metric names, dimensions, one setup.

- Lambda handlers: `COMPONENT.handler(correlation_id_path)` stacks Powertools' `logger.inject_lambda_context`,
  `metrics.log_metrics(capture_cold_start_metric=True)` and `tracer.capture_lambda_handler`.
- Metrics are CloudWatch EMF lines on stdout (`emit`), each with its own dimensions beside `service`.
- Workers: `configure_worker_logging(service)` makes every log record a JSON line; inside
  `job_scope(job_id, ...)` each record carries `job_id` and `correlation_id` (= the job id, which is also the
  Step Functions execution name and the orchestration Lambdas' correlation id).
- Tracing is real only inside Lambda with the X-Ray SDK installed and POWERTOOLS_TRACE_DISABLED unset;
  elsewhere `tracer` is a no-op: outside Lambda the SDK would build an X-Ray client on import (~0.3 s).
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator
from enum import StrEnum
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider
from aws_lambda_powertools.shared.functions import resolve_truthy_env_var_choice

NAMESPACE = "voiceclone"  # POWERTOOLS_METRICS_NAMESPACE overrides it
LIBRARY_LOGGER = "voiceclone"  # the Powertools logger that workflows/services/audio code log through
TRACED_MODULES = ("pymongo",)  # botocore stays unpatched: patching imports it, which the API loads lazily


class Service(StrEnum):
    """The `service` key of every log line and the `service` dimension of every metric."""

    API = "voiceclone-api"
    ORCHESTRATION = "voiceclone-orchestration"
    SYNTH_WORKER = "voiceclone-synth-worker"
    TRAIN_WORKER = "voiceclone-train-worker"


class MetricName(StrEnum):
    JOBS_STARTED = "JobsStarted"
    JOBS_COMPLETED = "JobsCompleted"
    JOBS_FAILED = "JobsFailed"
    CHARACTERS = "CharactersSynthesized"
    SYNTHESIS_SECONDS = "SynthesisSeconds"
    QUEUE_WAIT_SECONDS = "QueueWaitSeconds"
    SAMPLES_ANALYZED = "SamplesAnalyzed"


class Dimension(StrEnum):
    JOB_TYPE = "JobType"  # training | tts
    ENGINE = "Engine"  # xtts_v2, xtts_v2_instant, elevenlabs... (a training job: its model type)
    VERDICT = "Verdict"  # ready | rejected | skipped


JOB_TYPE_OF_WORKER_KIND = {"train": "training", "synthesize": "tts", "synthesize_batch": "tts"}
SERVICE_OF_WORKER_KIND = {
    "train": Service.TRAIN_WORKER, "synthesize": Service.SYNTH_WORKER, "synthesize_batch": Service.SYNTH_WORKER,
}

# Correlation ids (JMESPath into the event): the request id, or the job id (= the execution's name).
API_REQUEST_ID = "requestContext.requestId"
STEP_JOB_ID = "job_id"
S3_OBJECT_KEY = "Records[0].s3.object.key"
SCHEDULE_EVENT_ID = "id"


def metrics_namespace() -> str:
    return os.getenv("POWERTOOLS_METRICS_NAMESPACE") or NAMESPACE


def emit(service: str, name: MetricName, value: float, unit: str = "Count", **dimensions: str) -> None:
    """One EMF line now, with `service` and `dimensions` (a fresh metric set: nothing shared)."""
    provider = AmazonCloudWatchEMFProvider(namespace=metrics_namespace(), service=service)
    for key, dimension_value in dimensions.items():
        provider.add_dimension(name=key, value=str(dimension_value))
    provider.add_metric(name=str(name), unit=unit, value=value)
    provider.flush_metrics()


def emit_job(service: str, name: MetricName, job_type: str, engine: str, value: float = 1, unit: str = "Count") -> None:
    emit(service, name, value, unit, **{Dimension.JOB_TYPE: job_type, Dimension.ENGINE: engine})


class _QuietEMFProvider(AmazonCloudWatchEMFProvider):
    """Flushes like Powertools' but says nothing for an invocation that counted nothing."""

    def flush_metrics(self, raise_on_empty_metrics: bool = False) -> None:
        if self.metric_set or raise_on_empty_metrics:
            super().flush_metrics(raise_on_empty_metrics)


class NoTracer:
    """Tracer's decorators and annotations, doing nothing (outside Lambda, disabled, or no X-Ray SDK)."""

    def capture_lambda_handler(self, handler: Callable | None = None, **_: Any) -> Any:
        return handler if handler is not None else (lambda function: function)

    def capture_method(self, method: Callable | None = None, **_: Any) -> Any:
        return method if method is not None else (lambda function: function)

    def put_annotation(self, key: str, value: Any) -> None:
        pass

    def put_metadata(self, key: str, value: Any, namespace: str | None = None) -> None:
        pass


def tracing_enabled() -> bool:
    in_lambda = bool(os.getenv("AWS_LAMBDA_FUNCTION_NAME") or os.getenv("LAMBDA_TASK_ROOT"))
    disabled = resolve_truthy_env_var_choice(env=os.getenv("POWERTOOLS_TRACE_DISABLED", "false"))
    return in_lambda and not disabled and importlib.util.find_spec("aws_xray_sdk") is not None


def make_tracer(service: str) -> Any:
    if not tracing_enabled():
        return NoTracer()
    from aws_lambda_powertools import Tracer

    return Tracer(service=service, patch_modules=TRACED_MODULES)


class _StandInContext:
    """What Powertools reads from a Lambda context, for a handler called without one (tests, scripts)."""

    function_name = "local"
    memory_limit_in_mb = 0
    invoked_function_arn = ""
    aws_request_id = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 0


class Component:
    """One deployed component: its logger, metrics and tracer, all named by its service."""

    def __init__(self, service: Service):
        self.service = str(service)
        self.logger = Logger(service=self.service)
        self.metrics = Metrics(service=self.service, namespace=metrics_namespace())
        self.metrics.provider = _QuietEMFProvider(
            namespace=metrics_namespace(),
            service=self.service,
            metric_set=self.metrics.metric_set,
            dimension_set=self.metrics.dimension_set,
            metadata_set=self.metrics.metadata_set,
            default_dimensions=self.metrics.default_dimensions,
        )
        self.tracer = make_tracer(self.service)

    def emit_job(self, name: MetricName, job_type: str, engine: str, value: float = 1, unit: str = "Count") -> None:
        emit_job(self.service, name, job_type, engine, value, unit)

    def emit(self, name: MetricName, value: float, unit: str = "Count", **dimensions: str) -> None:
        emit(self.service, name, value, unit, **dimensions)

    def handler(self, correlation_id_path: str) -> Callable[[Callable], Callable]:
        """The Powertools decorators of a Lambda handler; library loggers write through this component."""

        def decorate(function: Callable) -> Callable:
            traced = self.tracer.capture_lambda_handler(function)
            measured = self.metrics.log_metrics(traced, capture_cold_start_metric=True)
            logged = self.logger.inject_lambda_context(
                measured, correlation_id_path=correlation_id_path, clear_state=True
            )

            @functools.wraps(function)
            def lambda_handler(event: Any, context: Any = None) -> Any:
                self.route_library_logs()
                return logged(event, context if context is not None else _StandInContext())

            return lambda_handler

        return decorate

    def route_library_logs(self) -> None:
        """Records of the shared `voiceclone` logger go out with this component's service and correlation id."""
        library = logging.getLogger(LIBRARY_LOGGER)
        if self.logger.handlers and library.handlers != self.logger.handlers:
            copy_config_to_registered_loggers(source_logger=self.logger, include={LIBRARY_LOGGER}, ignore_log_level=True)


# --- workers: plain logging made JSON, with the job id on every record --------------------------------

_current_job: dict[str, str] = {}
_current_job_lock = threading.Lock()


def _add_job_fields(record: logging.LogRecord) -> bool:
    with _current_job_lock:
        fields = dict(_current_job)
    for key, value in fields.items():
        if not hasattr(record, key):
            setattr(record, key, value)
    return True


def configure_worker_logging(service: Service | str, level: int = logging.INFO) -> logging.Handler:
    """Root logging -> JSON lines on stdout (Powertools' formatter) with the current job's fields."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(LambdaPowertoolsFormatter(service=str(service)))
    handler.addFilter(_add_job_fields)
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    library = logging.getLogger(LIBRARY_LOGGER)  # Powertools' own handler would skip the job fields
    library.handlers, library.propagate = [], True
    return handler


@contextlib.contextmanager
def job_scope(job_id: str, **fields: str) -> Iterator[None]:
    """Every log record while the job runs (any thread: a worker runs one job at a time) names it."""
    with _current_job_lock:
        _current_job.clear()
        _current_job.update({"job_id": job_id, "correlation_id": job_id, **fields})
    try:
        yield
    finally:
        with _current_job_lock:
            _current_job.clear()
