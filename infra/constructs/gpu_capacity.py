"""GPU hosts for ECS: a launch template (ECS GPU AMI, encrypted disk, IMDSv2), an Auto Scaling group of
configurable g5/g6 types starting at zero, and a capacity provider whose managed scaling adds a host
when a GPU task has nowhere to run and removes it once idle."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra import checkov_skip, nag

# Room for the CUDA images (~10 GB each) and the XTTS weights cache.
ROOT_VOLUME_GIB = 150
# What the ECS agent on a container instance calls for this cluster (CDK's grant, with ecs:Submit*
# spelled out). No CloudWatch Logs actions: the tasks' awslogs driver writes with each task's execution
# role, scoped to its log group, so the hosts need none.
AGENT_CLUSTER_ACTIONS = ["ecs:RegisterContainerInstance", "ecs:DeregisterContainerInstance",
                         "ecs:SubmitAttachmentStateChanges", "ecs:SubmitContainerStateChange",
                         "ecs:SubmitTaskStateChange"]
AGENT_CONDITIONED_ACTIONS = ["ecs:Poll", "ecs:StartTelemetrySession"]  # "*" with an ecs:cluster condition
AGENT_UNSCOPED_ACTIONS = ["ecs:DiscoverPollEndpoint", "ecr:GetAuthorizationToken"]  # no resource-level scoping


class GpuCapacity(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster: ecs.Cluster,
        instance_types: Sequence[str],
        max_instances: int,
        subnets: ec2.SubnetSelection,
        public_ip: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        vpc = cluster.vpc
        self.security_group = ec2.SecurityGroup(
            self, "HostSecurityGroup", vpc=vpc, description="GPU hosts: outbound only, nothing listens.",
            allow_all_outbound=True,
        )
        role = iam.Role(self, "HostRole", assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"))
        # Session Manager instead of SSH: no key pairs, no inbound port.
        role.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name("AmazonSSMManagedInstanceCore"))
        nag.acknowledge(
            role,
            "AmazonSSMManagedInstanceCore is AWS's maintained minimum for Session Manager access to the hosts.",
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]",
        )
        self._grant_agent(role, cluster)
        self.launch_template = ec2.LaunchTemplate(
            self,
            "LaunchTemplate",
            machine_image=ecs.EcsOptimizedImage.amazon_linux2023(ecs.AmiHardwareType.GPU),
            user_data=ec2.UserData.for_linux(),  # the cluster adds its ECS agent settings here
            # The host policy is written out above; the grants CDK adds for container instances (they
            # include CloudWatch Logs writes on "*") are dropped.
            role=role.without_policy_updates(),
            security_group=self.security_group,
            require_imdsv2=True,
            http_put_response_hop_limit=2,  # containers in bridge mode reach the metadata service
            detailed_monitoring=True,
            associate_public_ip_address=public_ip or None,
            block_devices=[
                ec2.BlockDevice(
                    device_name="/dev/xvda",
                    volume=ec2.BlockDeviceVolume.ebs(
                        ROOT_VOLUME_GIB, encrypted=True, volume_type=ec2.EbsDeviceVolumeType.GP3, delete_on_termination=True
                    ),
                )
            ],
        )
        if public_ip:
            checkov_skip.skip(
                self.launch_template,
                "Only with nat_gateways=0, the operator's choice to save the NAT gateway's idle cost: without "
                "a NAT a host needs a public address to reach ECS, ECR and S3. Its security group has no "
                "inbound rule (tests/infra asserts it), so nothing can connect to it.",
                "CKV_AWS_88",
            )
        self.auto_scaling_group = autoscaling.AutoScalingGroup(
            self,
            "Hosts",
            vpc=vpc,
            vpc_subnets=subnets,
            min_capacity=0,
            max_capacity=max_instances,
            mixed_instances_policy=autoscaling.MixedInstancesPolicy(
                launch_template=self.launch_template,
                launch_template_overrides=[
                    autoscaling.LaunchTemplateOverrides(instance_type=ec2.InstanceType(name)) for name in instance_types
                ],
                instances_distribution=autoscaling.InstancesDistribution(
                    on_demand_allocation_strategy=autoscaling.OnDemandAllocationStrategy.PRIORITIZED,
                ),
            ),
            # Managed termination protection: ECS decides which host may go (never one running a job).
            new_instances_protected_from_scale_in=True,
            default_instance_warmup=Duration.minutes(5),
        )
        nag.acknowledge(
            self.auto_scaling_group,
            "Scaling is driven by the ECS capacity provider; its activity is visible in ECS events and the "
            "dashboard, so no SNS notifications are wired.",
            "AwsSolutions-AS3",
        )
        self.capacity_provider = ecs.AsgCapacityProvider(
            self,
            "CapacityProvider",
            auto_scaling_group=self.auto_scaling_group,
            enable_managed_scaling=True,
            enable_managed_termination_protection=True,
            enable_managed_draining=True,
            target_capacity_percent=100,
            machine_image_type=ecs.MachineImageType.AMAZON_LINUX_2,
        )
        cluster.add_asg_capacity_provider(self.capacity_provider)
        nag.acknowledge_wildcards(
            role,
            "The ECS agent's poll/telemetry actions (limited to this cluster by condition), "
            "ecs:DiscoverPollEndpoint and ecr:GetAuthorizationToken have no resource-level scoping; the rest "
            "is limited to this cluster.",
            ["Resource::*"],
        )
        nag.acknowledge(
            self.auto_scaling_group,
            "cdk-nag reads only LaunchTemplate, not a MixedInstancesPolicy's template; that template's only "
            "volume is encrypted (tests/infra asserts it).",
            "AwsSolutions-EC26",
        )

    @staticmethod
    def _grant_agent(role: iam.Role, cluster: ecs.Cluster) -> None:
        role.add_to_policy(iam.PolicyStatement(actions=AGENT_CLUSTER_ACTIONS, resources=[cluster.cluster_arn]))
        role.add_to_policy(
            iam.PolicyStatement(
                actions=AGENT_CONDITIONED_ACTIONS,
                resources=["*"],
                conditions={"ArnEquals": {"ecs:cluster": cluster.cluster_arn}},
            )
        )
        role.add_to_policy(iam.PolicyStatement(actions=AGENT_UNSCOPED_ACTIONS, resources=["*"]))
