"""Monitoring: alarms (dead letters, failed executions, API 5xx, function errors and throttles, worker
errors) that notify an SNS topic encrypted with the platform key, and one dashboard of the whole platform."""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.config import InfraConfig
from infra.constructs.gpu_worker_service import GpuWorkerService
from infra.stacks.api import ApiStack
from infra.stacks.compute import ComputeStack
from infra.stacks.workflows import WorkflowsStack
from voiceclone.observability import NAMESPACE, Dimension, MetricName

FIVE_MINUTES = Duration.minutes(5)
WORKER_ERROR_NAMESPACE = "VoiceClone/Workers"


class MonitoringStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: InfraConfig,
        api: ApiStack,
        workflows: WorkflowsStack,
        compute: ComputeStack,
        key: kms.IKey,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        # The platform key's policy lets CloudWatch alarms publish (infra/constructs/platform_key.py).
        self.topic = sns.Topic(self, "Alarms", enforce_ssl=True, master_key=key)
        if config.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))
        self.alarms: list[cloudwatch.Alarm] = []

        for name, job_queue in (("Train", workflows.train_queue), ("Synth", workflows.synth_queue)):
            self._alarm(
                f"{name}DeadLetters",
                job_queue.dead_letter_queue.metric_approximate_number_of_messages_visible(
                    period=FIVE_MINUTES, statistic="Maximum"
                ),
                threshold=1,
                description=f"{name} jobs a worker could not take {config.max_receive_count} times wait in the DLQ.",
            )
        for name, queue in workflows.event_dead_letter_queues.items():
            self._alarm(
                f"{_pascal(name)}FailedEvents",
                queue.metric_approximate_number_of_messages_visible(period=FIVE_MINUTES, statistic="Maximum"),
                threshold=1,
                description=f"Events the {name} Lambda failed on after every retry wait in its dead-letter queue.",
            )
        for name, machine in (("Training", workflows.training_state_machine), ("Tts", workflows.tts_state_machine)):
            self._alarm(f"{name}ExecutionsFailed", machine.metric_failed(period=FIVE_MINUTES), threshold=1,
                        description=f"{name} executions ended failed.")
            self._alarm(f"{name}ExecutionsTimedOut", machine.metric_timed_out(period=FIVE_MINUTES), threshold=1,
                        description=f"{name} executions ran past their deadline.")
        self._alarm("Api5xx", api.http_api.metric_server_error(period=FIVE_MINUTES), threshold=5,
                    description="The API answered 5xx (a server fault, never a client mistake).")
        for name, function in {**api.functions, **workflows.functions}.items():
            self._alarm(f"{_pascal(name)}Errors", function.metric_errors(period=FIVE_MINUTES),
                        threshold=1, description=f"The {name} Lambda raised errors.")
            # Reserved concurrency reached (infra/reserved_concurrency.py): raise it if the database allows.
            self._alarm(f"{_pascal(name)}Throttles", function.metric_throttles(period=FIVE_MINUTES),
                        threshold=1, description=f"The {name} Lambda hit its reserved concurrency.")
        worker_errors = {
            name: self._worker_error_metric(name, worker)
            for name, worker in (("trainer", compute.trainer), ("synth", compute.synth))
        }
        for name, metric in worker_errors.items():
            self._alarm(f"{name.title()}WorkerErrors", metric, threshold=1,
                        description=f"The {name} worker logged errors.")

        self.dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=f"{config.app_name}-platform")
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="API requests and errors",
                left=[api.http_api.metric_count(period=FIVE_MINUTES)],
                right=[api.http_api.metric_client_error(period=FIVE_MINUTES),
                       api.http_api.metric_server_error(period=FIVE_MINUTES)],
            ),
            cloudwatch.GraphWidget(title="API latency (p50, p99)", left=[
                api.http_api.metric_latency(period=FIVE_MINUTES, statistic="p50"),
                api.http_api.metric_latency(period=FIVE_MINUTES, statistic="p99"),
            ]),
            cloudwatch.GraphWidget(title="Executions", left=[
                metric
                for machine in (workflows.training_state_machine, workflows.tts_state_machine)
                for metric in (machine.metric_started(period=FIVE_MINUTES), machine.metric_succeeded(period=FIVE_MINUTES),
                               machine.metric_failed(period=FIVE_MINUTES))
            ]),
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(title="GPU job backlog (waiting + in progress)",
                                   left=[compute.trainer.backlog, compute.synth.backlog]),
            cloudwatch.GraphWidget(title="GPU workers running", left=[
                self._running_tasks(compute, compute.trainer), self._running_tasks(compute, compute.synth)
            ]),
            cloudwatch.GraphWidget(title="Dead letters and worker errors", left=[
                workflows.train_queue.dead_letter_queue.metric_approximate_number_of_messages_visible(),
                workflows.synth_queue.dead_letter_queue.metric_approximate_number_of_messages_visible(),
                *worker_errors.values(),
            ]),
        )
        self.dashboard.add_widgets(*job_metric_widgets())
        self.dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=24),
        )

    def _alarm(self, construct_id: str, metric: cloudwatch.IMetric, *, threshold: float, description: str) -> None:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(cw_actions.SnsAction(self.topic))
        self.alarms.append(alarm)

    def _worker_error_metric(self, name: str, worker: GpuWorkerService) -> cloudwatch.Metric:
        # Workers log JSON lines (Powertools Logger) or plain text: count either form of an error.
        logs.MetricFilter(
            self,
            f"{name.title()}ErrorFilter",
            log_group=worker.log_group,
            metric_namespace=WORKER_ERROR_NAMESPACE,
            metric_name=f"{name}-errors",
            filter_pattern=logs.FilterPattern.any_term("ERROR", "CRITICAL", "Traceback"),
            metric_value="1",
        )
        return cloudwatch.Metric(
            namespace=WORKER_ERROR_NAMESPACE, metric_name=f"{name}-errors", statistic="Sum", period=FIVE_MINUTES
        )

    @staticmethod
    def _running_tasks(compute: ComputeStack, worker: GpuWorkerService) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="ECS/ContainerInsights",
            metric_name="RunningTaskCount",
            dimensions_map={"ClusterName": compute.cluster.cluster_name, "ServiceName": worker.service.service_name},
            statistic="Average",
            period=FIVE_MINUTES,
            label=worker.node.id,
        )


def _search(metric: MetricName, dimensions: tuple[str, ...], statistic: str, label: str) -> cloudwatch.MathExpression:
    """Every series of an EMF metric, whatever its dimension values (engines, verdicts) are."""
    schema = ",".join((NAMESPACE, "service", *dimensions))
    return cloudwatch.MathExpression(
        expression=f"SEARCH('{{{schema}}} MetricName=\"{metric}\"', '{statistic}', 300)",
        label=label,
        period=FIVE_MINUTES,
    )


def job_metric_widgets() -> list[cloudwatch.GraphWidget]:
    """The jobs, characters, synthesis time, queue wait and sample verdicts the handlers and workers emit
    (voiceclone.observability; docs/observability.md)."""
    job = (Dimension.JOB_TYPE, Dimension.ENGINE)
    return [
        cloudwatch.GraphWidget(title="Jobs by type and engine", left=[
            _search(MetricName.JOBS_STARTED, job, "Sum", "started"),
            _search(MetricName.JOBS_COMPLETED, job, "Sum", "completed"),
            _search(MetricName.JOBS_FAILED, job, "Sum", "failed"),
        ]),
        cloudwatch.GraphWidget(
            title="Characters synthesized and synthesis seconds",
            left=[_search(MetricName.CHARACTERS, job, "Sum", "characters")],
            right=[_search(MetricName.SYNTHESIS_SECONDS, job, "p50", "synthesis s p50")],
        ),
        cloudwatch.GraphWidget(title="Queue wait (p50, p90) and sample verdicts", left=[
            _search(MetricName.QUEUE_WAIT_SECONDS, job, "p50", "queue wait p50"),
            _search(MetricName.QUEUE_WAIT_SECONDS, job, "p90", "queue wait p90"),
        ], right=[_search(MetricName.SAMPLES_ANALYZED, (Dimension.VERDICT,), "Sum", "samples")]),
    ]


def _pascal(snake: str) -> str:
    return "".join(part.title() for part in snake.split("_"))
