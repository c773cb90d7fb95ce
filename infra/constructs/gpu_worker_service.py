"""A GPU worker (trainer or synth) as an ECS service on the GPU capacity provider, scaled on its
queue's backlog: waiting plus in-flight messages, so a worker busy with a job is never scaled away."""

from __future__ import annotations

import math

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import nag
from infra.constructs.log_group import log_group


def backlog_steps(min_tasks: int, max_tasks: int, jobs_per_task: int) -> list[appscaling.ScalingInterval]:
    """Exact task counts by backlog: ceil(backlog / jobs_per_task), clamped to [min_tasks, max_tasks]."""
    # Backlog 0 -> the minimum; the gap (0, 1) between the two alarms is "no change".
    steps = [appscaling.ScalingInterval(upper=0, change=min_tasks)]
    for tasks in range(1, max_tasks + 1):
        steps.append(appscaling.ScalingInterval(lower=(tasks - 1) * jobs_per_task + 1, change=max(tasks, min_tasks)))
    return steps


def tasks_for_backlog(backlog: int, min_tasks: int, max_tasks: int, jobs_per_task: int) -> int:
    """What `backlog_steps` means, as a plain function (documentation and tests)."""
    return max(min_tasks, min(max_tasks, math.ceil(backlog / jobs_per_task)))


class GpuWorkerService(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster: ecs.Cluster,
        capacity_provider: ecs.AsgCapacityProvider,
        image: ecs.ContainerImage,
        queue: sqs.IQueue,
        environment: dict[str, str],
        secrets: dict[str, ecs.Secret],
        memory_reservation_mib: int,
        min_tasks: int,
        max_tasks: int,
        jobs_per_task: int,
        scale_in_cooldown: Duration,
        log_retention_days: int,
        log_key: kms.IKey,
        removal_policy: RemovalPolicy,
        extra_demand: tuple[str, dict[str, cloudwatch.IMetric]] | None = None,
    ) -> None:
        """`extra_demand`: (expression, metrics by id) added to the queue backlog in the scaling metric,
        in jobs (the real-time endpoint's requests and connections, infra/constructs/realtime_endpoint.py)."""
        super().__init__(scope, construct_id)
        self.log_group = log_group(
            self, "Logs", key=log_key, retention_days=log_retention_days, removal_policy=removal_policy
        )
        self.task_definition = ecs.Ec2TaskDefinition(self, "Task", network_mode=ecs.NetworkMode.BRIDGE)
        self.container = self.task_definition.add_container(
            "Worker",
            image=image,
            gpu_count=1,
            memory_reservation_mib=memory_reservation_mib,
            environment=environment,
            secrets=secrets,
            logging=ecs.LogDrivers.aws_logs(stream_prefix=construct_id.lower(), log_group=self.log_group),
            # Time for a graceful SIGTERM: the worker hands its job back to the queue.
            stop_timeout=Duration.seconds(120),
        )
        self.service = ecs.Ec2Service(
            self,
            "Service",
            cluster=cluster,
            task_definition=self.task_definition,
            desired_count=min_tasks,
            capacity_provider_strategies=[
                ecs.CapacityProviderStrategy(capacity_provider=capacity_provider.capacity_provider_name, weight=1)
            ],
            # One GPU per task: a deploy replaces tasks rather than doubling the GPU bill.
            min_healthy_percent=0,
            max_healthy_percent=100,
            circuit_breaker=ecs.DeploymentCircuitBreaker(rollback=True),
        )
        # Metric ids are unique per worker: a dashboard graph shows both backlogs side by side.
        waiting, inflight = f"waiting_{construct_id.lower()}", f"inflight_{construct_id.lower()}"
        queue_metrics = {
            waiting: queue.metric_approximate_number_of_messages_visible(period=Duration.minutes(1)),
            inflight: queue.metric_approximate_number_of_messages_not_visible(period=Duration.minutes(1)),
        }
        self.backlog = cloudwatch.MathExpression(
            expression=f"{waiting} + {inflight}", using_metrics=queue_metrics,
            label=f"{construct_id} jobs waiting or in progress", period=Duration.minutes(1),
        )
        # What scaling follows: the backlog plus any extra demand (kept apart from `backlog`, which the
        # monitoring stack graphs: the extra metrics name this stack's load balancer).
        extra_expression, extra_metrics = extra_demand or ("", {})
        self.scaling_metric = self.backlog if not extra_expression else cloudwatch.MathExpression(
            expression=f"{waiting} + {inflight} + {extra_expression}", using_metrics={**queue_metrics, **extra_metrics},
            label=f"{construct_id} jobs waiting or in progress and real-time demand", period=Duration.minutes(1),
        )
        scaling = self.service.auto_scale_task_count(min_capacity=min_tasks, max_capacity=max_tasks)
        scaling.scale_on_metric(
            "ScaleOnBacklog",
            metric=self.scaling_metric,
            scaling_steps=backlog_steps(min_tasks, max_tasks, jobs_per_task),
            adjustment_type=appscaling.AdjustmentType.EXACT_CAPACITY,
            cooldown=scale_in_cooldown,
        )
        queue.grant_consume_messages(self.task_definition.task_role)
        nag.acknowledge_wildcards(
            self.task_definition.obtain_execution_role(),
            "ecr:GetAuthorizationToken (pulling the image) has no resource-level permissions.",
            ["Resource::*"],
        )
