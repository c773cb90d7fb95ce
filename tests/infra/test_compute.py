"""Compute template: GPU hosts from a launch template (encrypted, IMDSv2, configurable g5/g6 types) behind
a managed-scaling capacity provider; trainer and synth services scaled on their queue backlog; task roles
limited to their buckets, queue and state machine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.constructs.gpu_worker_service import tasks_for_backlog
from tests.infra.conftest import Synthesized, actions_of, flatten, policy_statements, resources_of, synthesize


@pytest.fixture(scope="module")
def warm_public(platform: Synthesized) -> Synthesized:
    """A second configuration: one synth worker always warm, no NAT gateway, other GPU types."""
    return synthesize({"synth_min_tasks": 1, "nat_gateways": 0, "gpu_instance_types": "g6.xlarge,g6.2xlarge"})


def _one(platform: Synthesized, resource_type: str, prefix: str = "") -> dict:
    (found,) = [v["Properties"] for k, v in platform.resources("compute", resource_type).items() if k.startswith(prefix)]
    return found


def test_gpu_hosts_boot_the_ecs_gpu_ami_with_encrypted_disks_and_imdsv2(platform: Synthesized) -> None:
    data = _one(platform, "AWS::EC2::LaunchTemplate")["LaunchTemplateData"]
    assert all(mapping["Ebs"]["Encrypted"] is True for mapping in data["BlockDeviceMappings"])
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    assert "gpu" in data["ImageId"]["Ref"].lower() and "ecsoptimized" in data["ImageId"]["Ref"].lower()
    security_group = _one(platform, "AWS::EC2::SecurityGroup", "GpuHostSecurityGroup")
    assert "SecurityGroupIngress" not in security_group


def test_hosts_start_at_zero_and_follow_the_capacity_provider(platform: Synthesized, warm_public: Synthesized) -> None:
    group = _one(platform, "AWS::AutoScaling::AutoScalingGroup")
    assert group["MinSize"] == "0" and group["MaxSize"] == "4"
    assert [o["InstanceType"] for o in group["MixedInstancesPolicy"]["LaunchTemplate"]["Overrides"]] == [
        "g5.xlarge", "g6.xlarge",
    ]
    assert group["NewInstancesProtectedFromScaleIn"] is True
    provider = _one(platform, "AWS::ECS::CapacityProvider")["AutoScalingGroupProvider"]
    assert provider["ManagedScaling"]["Status"] == "ENABLED"
    assert provider["ManagedTerminationProtection"] == "ENABLED"
    other = _one(warm_public, "AWS::AutoScaling::AutoScalingGroup")
    assert [o["InstanceType"] for o in other["MixedInstancesPolicy"]["LaunchTemplate"]["Overrides"]] == [
        "g6.xlarge", "g6.2xlarge",
    ]


def test_without_nat_the_hosts_live_in_public_subnets_with_no_inbound_rule(
    platform: Synthesized, warm_public: Synthesized
) -> None:
    assert platform.resources("compute", "AWS::EC2::NatGateway")
    assert not warm_public.resources("compute", "AWS::EC2::NatGateway")
    data = _one(warm_public, "AWS::EC2::LaunchTemplate")["LaunchTemplateData"]
    assert data["NetworkInterfaces"][0]["AssociatePublicIpAddress"] is True
    subnets = _one(warm_public, "AWS::AutoScaling::AutoScalingGroup")["VPCZoneIdentifier"]
    assert all("public" in subnet["Ref"].lower() for subnet in subnets)


@pytest.mark.parametrize("worker", ["Trainer", "Synth"])
def test_each_worker_takes_one_gpu_and_gets_the_mongodb_uri_as_a_secret(platform: Synthesized, worker: str) -> None:
    (container,) = _one(platform, "AWS::ECS::TaskDefinition", f"{worker}Task")["ContainerDefinitions"]
    assert container["ResourceRequirements"] == [{"Type": "GPU", "Value": "1"}]
    names = {variable["Name"] for variable in container["Environment"]}
    assert "VOICECLONE_MONGO_URI" not in names and "VOICECLONE_MONGO_URI_SECRET_ARN" not in names
    (secret,) = container["Secrets"]
    assert secret["Name"] == "VOICECLONE_MONGO_URI"
    assert ":secret:voiceclone/mongodb-uri" in flatten(secret["ValueFrom"])
    service = _one(platform, "AWS::ECS::Service", f"{worker}Service")
    assert service["CapacityProviderStrategy"][0]["CapacityProvider"]["Ref"].startswith("GpuCapacityProvider")


def _tasks_after(platform: Synthesized, worker: str, backlog: int) -> int | None:
    """Replay the two step-scaling policies for a backlog: the task count they set (None: no change)."""
    policies = {
        key: value["Properties"]["StepScalingPolicyConfiguration"]
        for key, value in platform.resources("compute", "AWS::ApplicationAutoScaling::ScalingPolicy").items()
        if key.startswith(f"{worker}Service")
    }
    alarms = {
        value["Properties"]["AlarmActions"][0]["Ref"]: value["Properties"]
        for value in platform.resources("compute", "AWS::CloudWatch::Alarm").values()
        if value["Properties"]["AlarmActions"][0].get("Ref", "").startswith(f"{worker}Service")
    }
    for policy_id, policy in policies.items():
        alarm = alarms[policy_id]
        threshold = alarm["Threshold"]
        below = alarm["ComparisonOperator"] == "LessThanOrEqualToThreshold"
        if (backlog <= threshold) if below else (backlog >= threshold):
            for step in policy["StepAdjustments"]:
                low = step.get("MetricIntervalLowerBound", float("-inf")) + threshold
                high = step.get("MetricIntervalUpperBound", float("inf")) + threshold
                if low <= backlog < high or (below and backlog == high):
                    return step["ScalingAdjustment"]
    return None


@pytest.mark.parametrize(("worker", "min_tasks", "max_tasks", "jobs_per_task"), [("Trainer", 0, 2, 1), ("Synth", 0, 4, 5)])
def test_workers_scale_with_jobs_waiting_or_in_progress(
    platform: Synthesized, worker: str, min_tasks: int, max_tasks: int, jobs_per_task: int
) -> None:
    for backlog in range(25):
        expected = tasks_for_backlog(backlog, min_tasks, max_tasks, jobs_per_task)
        assert _tasks_after(platform, worker, backlog) == expected, backlog
    for alarm in platform.resources("compute", "AWS::CloudWatch::Alarm").values():
        metrics = {m.get("Expression") for m in alarm["Properties"].get("Metrics", [])}
        if any(metric and worker.lower() in metric for metric in metrics):
            # In-flight messages count: a worker busy with a job is never scaled away.
            assert f"waiting_{worker.lower()} + inflight_{worker.lower()}" in metrics


def test_the_synth_minimum_is_configurable(warm_public: Synthesized) -> None:
    assert _one(warm_public, "AWS::ECS::Service", "SynthService")["DesiredCount"] == 1
    assert _one(warm_public, "AWS::ApplicationAutoScaling::ScalableTarget", "SynthService")["MinCapacity"] == 1
    assert _tasks_after(warm_public, "Synth", 0) == 1
    assert _one(warm_public, "AWS::ApplicationAutoScaling::ScalableTarget", "TrainerService")["MinCapacity"] == 0
    # A warm synth worker answers at once: the TTS heartbeat timeout goes back to the definition's own.
    (tts,) = [v for k, v in warm_public.resources("workflows", "AWS::StepFunctions::StateMachine").items() if k.startswith("Tts")]
    assert '"HeartbeatSeconds": 300' in tts["Properties"]["DefinitionString"]


def _task_role_grants(platform: Synthesized, worker: str) -> set[tuple[str, str]]:
    return {
        (action, resource)
        for statement in policy_statements(platform.template("compute"), f"{worker}TaskTaskRole")
        for action in actions_of(statement)
        for resource in resources_of(statement)
    }


@pytest.mark.parametrize(
    ("worker", "object_grants", "queue", "state_machines"),
    [
        (
            "Trainer",
            {("s3:GetObject", "Samples", "prepared/"), ("s3:GetObject", "Models", "base/"),
             ("s3:GetObject", "Models", "voices/"), ("s3:PutObject", "Models", "voices/"),
             ("s3:GetObject", "Models", "checkpoints/"), ("s3:PutObject", "Models", "checkpoints/"),
             ("s3:DeleteObject", "Models", "checkpoints/")},
            "TrainQueue",
            ("TrainingStateMachine",),
        ),
        (
            "Synth",
            {("s3:GetObject", "Models", "base/"), ("s3:GetObject", "Models", "voices/"), ("s3:PutObject", "Outputs", "tts/"),
             ("s3:PutObject", "Outputs", "batches/")},  # batch items: batches/{user}/{batch}/NNN.ext
            "SynthQueue",
            ("TtsStateMachine", "BatchStateMachine"),  # single jobs and batch groups share the synth queue
        ),
    ],
)
def test_task_roles_reach_only_their_objects_queue_and_state_machine(
    platform: Synthesized, worker: str, object_grants: set, queue: str, state_machines: tuple[str, ...]
) -> None:
    grants = _task_role_grants(platform, worker)
    objects = {
        (action, bucket, resource.rsplit("/", 2)[-2] + "/")
        for action, resource in grants
        if action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject")
        for bucket in ("Samples", "Models", "Outputs")
        if f"FnGetAtt{bucket}" in resource
    }
    assert objects == object_grants
    for action, resource in grants:
        service = action.split(":")[0]
        assert resource != "*", action
        if service == "sqs":
            assert queue in resource
        if service == "states":
            assert action in {"states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"}
            assert any(state_machine in resource for state_machine in state_machines)
        assert service in {"s3", "sqs", "states"}, action


def test_every_image_is_built_for_x86_64(platform: Synthesized) -> None:
    """Lambdas and GPU hosts run x86_64: an image built on an ARM laptop must not end up arm64."""
    directory = Path(platform.platform.app.synth().directory)
    sources = [
        image["source"]
        for stack in ("VoiceClone-Workflows", "VoiceClone-Compute")
        for image in json.loads((directory / f"{stack}.assets.json").read_text())["dockerImages"].values()
    ]
    assert {source["dockerFile"] for source in sources} == {
        "containers/audio-lambda/Dockerfile", "containers/gpu-trainer/Dockerfile", "containers/gpu-synth/Dockerfile",
    }
    assert all(source["platform"] == "linux/amd64" for source in sources)
