"""Compute: the VPC, the ECS cluster with its GPU capacity, the trainer and synth workers, and the
real-time endpoint (an ALB in front of the synth workers' real-time app) when its certificate is given."""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from constructs import Construct

from infra import nag
from infra.config import InfraConfig
from infra.constructs import grants
from infra.constructs.app_secrets import mongo_uri_secret
from infra.constructs.gpu_capacity import GpuCapacity
from infra.constructs.gpu_worker_service import GpuWorkerService
from infra.constructs.lambda_code import REPO_ROOT, source_excludes
from infra.constructs.log_group import log_group
from infra.constructs.realtime_endpoint import RealtimeEndpoint
from infra.constructs.settings_environment import settings_environment
from infra.stacks.auth import JwtTrust
from infra.stacks.storage import StorageStack
from infra.stacks.workflows import WorkflowsStack

TRAINER_DOCKERFILE = "containers/gpu-trainer/Dockerfile"
SYNTH_DOCKERFILE = "containers/gpu-synth/Dockerfile"
# What the worker images' build context needs from the repository.
WORKER_IMAGE_SOURCES = ("src", "functions", "pyproject.toml", "README.md", "containers")


def worker_image(dockerfile: str) -> ecs.ContainerImage:
    """An image asset: synth writes only its manifest; `cdk deploy` builds and pushes it."""
    return ecs.ContainerImage.from_asset(
        str(REPO_ROOT),
        file=dockerfile,
        exclude=source_excludes(WORKER_IMAGE_SOURCES),
        platform=ecr_assets.Platform.LINUX_AMD64,  # GPU hosts are x86_64, even when built on an ARM laptop
    )


class ComputeStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: InfraConfig,
        storage: StorageStack,
        workflows: WorkflowsStack,
        jwt: JwtTrust | None = None,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        private = config.nat_gateways > 0
        subnet_configuration = [ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24)]
        if private:
            subnet_configuration.append(
                ec2.SubnetConfiguration(name="workers", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=20)
            )
        self.vpc = ec2.Vpc(
            self, "Vpc", max_azs=config.max_azs, nat_gateways=config.nat_gateways,
            subnet_configuration=subnet_configuration,
        )
        self.vpc.add_flow_log(
            "FlowLogs",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(
                log_group(self, "FlowLogGroup", key=storage.key, retention_days=config.log_retention_days,
                          removal_policy=config.removal_policy)
            ),
            traffic_type=ec2.FlowLogTrafficType.REJECT,
        )
        self.cluster = ecs.Cluster(
            self, "Cluster", vpc=self.vpc, container_insights_v2=ecs.ContainerInsights.ENABLED
        )
        self.gpu = GpuCapacity(
            self,
            "Gpu",
            cluster=self.cluster,
            instance_types=config.gpu_instance_types,
            max_instances=config.gpu_max_instances,
            subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS if private else ec2.SubnetType.PUBLIC),
            public_ip=not private,
        )

        mongo_secret = mongo_uri_secret(self, config)
        environment = settings_environment(
            config, samples=storage.samples, models=storage.models, outputs=storage.outputs, mongo_secret=None,
            train_queue_url=workflows.train_queue.queue.queue_url,
            synth_queue_url=workflows.synth_queue.queue.queue_url,
        )
        # ECS resolves the secret at task start (execution role); the template holds only its ARN.
        secrets = {"VOICECLONE_MONGO_URI": ecs.Secret.from_secrets_manager(mongo_secret)}
        common = {
            "cluster": self.cluster,
            "capacity_provider": self.gpu.capacity_provider,
            "environment": environment,
            "secrets": secrets,
            "scale_in_cooldown": Duration.seconds(config.scale_in_cooldown_s),
            "log_retention_days": config.log_retention_days,
            "log_key": storage.key,
            "removal_policy": config.removal_policy,
        }
        self.trainer = GpuWorkerService(
            self,
            "Trainer",
            image=worker_image(TRAINER_DOCKERFILE),
            queue=workflows.train_queue.queue,
            memory_reservation_mib=config.trainer_memory_mib,
            min_tasks=0,  # training is occasional: no GPU bill while nobody trains
            max_tasks=config.trainer_max_tasks,
            jobs_per_task=config.trainer_jobs_per_task,
            **common,
        )
        # Built before the synth service: its demand joins the service's scaling metric.
        self.realtime = (RealtimeEndpoint(self, "Realtime", config=config, vpc=self.vpc, log_key=storage.key)
                         if config.realtime_certificate_arn else None)
        self.synth = GpuWorkerService(
            self,
            "Synth",
            image=worker_image(SYNTH_DOCKERFILE),
            queue=workflows.synth_queue.queue,
            memory_reservation_mib=config.synth_memory_mib,
            min_tasks=config.synth_min_tasks,
            max_tasks=config.synth_max_tasks,
            jobs_per_task=config.synth_jobs_per_task,
            extra_demand=self.realtime.demand() if self.realtime else None,
            **common,
        )
        if self.realtime is not None:
            self._serve_realtime(self.realtime, jwt)
        self._grant_trainer(storage, workflows)
        self._grant_synth(storage, workflows)
        for worker in (self.trainer, self.synth):
            nag.acknowledge(
                worker.task_definition,
                "The environment holds only names, ARNs and limits; the MongoDB URI comes from Secrets Manager.",
                "AwsSolutions-ECS2",
            )
        CfnOutput(self, "ClusterName", value=self.cluster.cluster_name)

    def _serve_realtime(self, realtime: RealtimeEndpoint, jwt: JwtTrust | None) -> None:
        """The synth container's real-time app behind the ALB, verifying the API's JWTs (and API keys)."""
        if jwt is None:
            raise ValueError("the real-time endpoint verifies the API's JWTs: pass the JwtTrust")
        realtime.serve(self.synth.service, self.synth.container, self.gpu.security_group, self.cluster)
        self.synth.container.add_environment("VOICECLONE_JWT_ISSUER", jwt.issuer)
        self.synth.container.add_environment("VOICECLONE_JWT_AUDIENCE", jwt.audience)
        CfnOutput(self, "RealtimeEndpoint", value=realtime.load_balancer.load_balancer_dns_name,
                  description="Point the real-time certificate's name (a CNAME or alias) here.")

    def _grant_trainer(self, storage: StorageStack, workflows: WorkflowsStack) -> None:
        role = self.trainer.task_definition.task_role
        grants.grant_objects(storage.samples, role, "prepared/", *grants.READ)  # the enhanced clips
        grants.grant_objects(storage.models, role, "base/", *grants.READ)  # XTTS base weights, ASR model
        grants.grant_listing(storage.models, role, "base/")
        grants.grant_objects(storage.models, role, "voices/", *grants.READ, *grants.WRITE)  # the trained voice
        # Checkpoints let a redelivered job resume where a lost worker stopped.
        grants.grant_objects(storage.models, role, "checkpoints/", *grants.READ, *grants.WRITE, *grants.DELETE)
        grants.grant_listing(storage.models, role, "checkpoints/")
        workflows.training_state_machine.grant_task_response(role)

    def _grant_synth(self, storage: StorageStack, workflows: WorkflowsStack) -> None:
        role = self.synth.task_definition.task_role
        grants.grant_objects(storage.models, role, "base/", *grants.READ)
        grants.grant_listing(storage.models, role, "base/")
        grants.grant_objects(storage.models, role, "voices/", *grants.READ)
        grants.grant_objects(storage.outputs, role, "tts/", *grants.WRITE)
        grants.grant_objects(storage.outputs, role, "batches/", *grants.WRITE)  # batch items
        workflows.tts_state_machine.grant_task_response(role)
        workflows.tts_batch_state_machine.grant_task_response(role)
