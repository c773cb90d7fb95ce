"""What checkov asked for, asserted on the templates: reserved concurrency on every function (sized to
MongoDB's connection limit), dead-letter queues for the asynchronously invoked ones, no CloudWatch Logs
writes (or any scopable wildcard action) on "*", log groups and the alarm topic encrypted with the
platform key, and every checkov skip carrying its reason."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_s3 as s3

from infra import checkov_skip
from infra.checkov_scan import parse_report
from infra.config import InfraConfig
from infra.reserved_concurrency import DEMAND, NO_DATABASE, database_connections, reserved_concurrency
from tests.infra.conftest import Synthesized, actions_of, flatten, resources_of

DEPLOY_CHECKS_DOC = Path(__file__).resolve().parents[2] / "docs" / "deploy-checks.md"


def _functions(platform: Synthesized) -> dict[str, dict]:
    return platform.all_resources("AWS::Lambda::Function")


def _is_cdk_handler(key: str) -> bool:
    return key.split("/", 1)[1].startswith(("Custom", "BucketNotificationsHandler"))


def _skips(resource: dict) -> dict[str, str]:
    return {entry["id"]: entry["comment"] for entry in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])}


def _own_functions(platform: Synthesized) -> dict[str, dict]:
    """Our Lambdas by snake_case name (the API area or orchestration module): CDK's handlers left out."""
    found = {}
    for key, resource in _functions(platform).items():
        if _is_cdk_handler(key):
            continue
        construct = key.split("/", 1)[1].split("Function")[0].removesuffix("Handler")
        found[re.sub(r"(?<!^)([A-Z])", r"_\1", construct).lower()] = resource
    return found


def test_every_function_reserves_the_concurrency_the_sizing_gives_it(platform: Synthesized) -> None:
    functions = _own_functions(platform)
    sized = reserved_concurrency(platform.platform.config)
    assert set(functions) == set(sized)
    for name, resource in functions.items():
        assert resource["Properties"]["ReservedConcurrentExecutions"] == sized[name], name
    for key, resource in _functions(platform).items():
        if _is_cdk_handler(key):
            assert "ReservedConcurrentExecutions" not in resource["Properties"]
            assert len(_skips(resource)["CKV_AWS_115"].split()) >= 5, key


@pytest.mark.parametrize("connections", [500, 1500, 3000, 6000])
def test_reserved_concurrency_keeps_mongodb_under_its_connection_limit(connections: int) -> None:
    config = InfraConfig(mongo_max_connections=connections)
    sized = reserved_concurrency(config)
    assert database_connections(config, sized) <= connections
    assert all(value >= 1 for value in sized.values())
    assert all(sized[name] <= demand for name, demand in DEMAND.items()), "never more than the demand"
    # Lambda keeps at least 100 of an account's (default 1000) concurrent executions unreserved.
    assert sum(sized.values()) <= 900


def test_the_default_tier_carries_the_whole_demand_and_a_small_one_scales_it_down() -> None:
    assert reserved_concurrency(InfraConfig()) == {**DEMAND, **NO_DATABASE}
    small = reserved_concurrency(InfraConfig(mongo_max_connections=500))
    assert small["tts"] < DEMAND["tts"] and small["sweeper"] == 1
    more_workers = InfraConfig(synth_max_tasks=40)
    assert database_connections(more_workers, reserved_concurrency(more_workers)) <= 1500


def test_a_cluster_too_small_for_one_environment_per_function_fails_the_synth() -> None:
    with pytest.raises(ValueError, match="mongo_max_connections=200"):
        reserved_concurrency(InfraConfig(mongo_max_connections=200))


def _asynchronously_invoked(platform: Synthesized) -> dict[str, str]:
    """Function logical id -> the service that invokes it asynchronously (read from the templates)."""
    found = {}
    for permission in platform.all_resources("AWS::Lambda::Permission").values():
        principal = permission["Properties"]["Principal"]
        if principal in ("s3.amazonaws.com", "events.amazonaws.com"):
            found[permission["Properties"]["FunctionName"]["Fn::GetAtt"][0]] = principal
    return found


def test_asynchronously_invoked_functions_dead_letter_the_events_that_failed(platform: Synthesized) -> None:
    invoked = _asynchronously_invoked(platform)
    workflows = platform.resources("workflows", "AWS::Lambda::Function")
    own = {key for key in invoked if not key.startswith("BucketNotificationsHandler")}
    assert {key.split("Function")[0] for key in own} == {"AnalyzeSample", "Cleanup", "Sweeper"}
    assert set(invoked.values()) == {"s3.amazonaws.com", "events.amazonaws.com"}
    queues = platform.resources("workflows", "AWS::SQS::Queue")
    alarms = [flatten(a["Properties"].get("Dimensions", [])) for a in platform.resources(
        "monitoring", "AWS::CloudWatch::Alarm").values()]
    for key in own:
        (queue_id,) = [workflows[key]["Properties"]["DeadLetterConfig"]["TargetArn"]["Fn::GetAtt"][0]]
        assert queues[queue_id]["Properties"]["SqsManagedSseEnabled"] is True
        assert queues[queue_id]["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
        assert any(queue_id in dimensions for dimensions in alarms), f"no alarm on {queue_id}"
    (rule,) = platform.resources("workflows", "AWS::Events::Rule").values()
    target_queue = rule["Properties"]["Targets"][0]["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
    assert target_queue.startswith("SweeperFailedEvents")


def test_synchronously_invoked_functions_say_why_they_need_no_dead_letter_queue(platform: Synthesized) -> None:
    invoked = _asynchronously_invoked(platform)
    for key, resource in _functions(platform).items():
        logical_id = key.split("/", 1)[1]
        if logical_id in invoked and not _is_cdk_handler(key):
            assert "DeadLetterConfig" in resource["Properties"], key
            assert "CKV_AWS_116" not in _skips(resource)
        else:
            assert "DeadLetterConfig" not in resource["Properties"]
            assert len(_skips(resource)["CKV_AWS_116"].split()) >= 5, key


def _allow_statements(platform: Synthesized) -> list[tuple[str, dict]]:
    found = []
    for key, policy in platform.all_resources("AWS::IAM::Policy").items():
        found += [(key, s) for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    for key, role in platform.all_resources("AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            found += [(key, s) for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    return found


# Writing log events: always scoped to a log group. (Step Functions' log-delivery actions such as
# logs:CreateLogDelivery have no resource-level permissions and stay on "*".)
LOG_WRITES = {"logs:*", "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}


def test_no_role_writes_cloudwatch_logs_on_any_resource(platform: Synthesized) -> None:
    statements = _allow_statements(platform)
    assert len(statements) > 50
    for key, statement in statements:
        if "*" in resources_of(statement):
            assert not LOG_WRITES & set(actions_of(statement)), key


def test_actions_are_spelled_out_wherever_iam_allows_it(platform: Synthesized) -> None:
    # The one wildcard left is CDK's own custom-resource provider (the default security-group lockdown).
    for key, statement in _allow_statements(platform):
        for action in actions_of(statement):
            assert action != "*" and not action.endswith(":*"), f"{key}: {action}"
            if "*" in action and not key.split("/", 1)[1].startswith("Custom"):
                pytest.fail(f"{key}: wildcard action {action}")


def test_gpu_hosts_get_only_the_ecs_agent_calls_for_their_cluster(platform: Synthesized) -> None:
    (statements,) = [
        policy["Properties"]["PolicyDocument"]["Statement"]
        for key, policy in platform.resources("compute", "AWS::IAM::Policy").items()
        if key.startswith("GpuHostRoleDefaultPolicy")
    ]
    scoped = {action: resources_of(s) for s in statements for action in actions_of(s)}
    assert set(scoped) == {
        "ecs:RegisterContainerInstance", "ecs:DeregisterContainerInstance", "ecs:SubmitAttachmentStateChanges",
        "ecs:SubmitContainerStateChange", "ecs:SubmitTaskStateChange", "ecs:Poll", "ecs:StartTelemetrySession",
        "ecs:DiscoverPollEndpoint", "ecr:GetAuthorizationToken",
    }
    assert all("Cluster" in resource for resource in scoped["ecs:RegisterContainerInstance"])
    (poll,) = [s for s in statements if "ecs:Poll" in actions_of(s)]
    assert "Cluster" in flatten(poll["Condition"]["ArnEquals"]["ecs:cluster"])


def _platform_key(platform: Synthesized) -> tuple[str, dict]:
    (found,) = platform.resources("storage", "AWS::KMS::Key").items()
    return found


OTHER_LOG_GROUPS = 4
CDK_HELPERS = ("compute/CustomVpcRestrictDefaultSG", "workflows/BucketNotificationsHandler")


def test_every_log_group_and_the_alarm_topic_use_the_platform_key(platform: Synthesized) -> None:
    key_id, _ = _platform_key(platform)
    log_groups = platform.all_resources("AWS::Logs::LogGroup")
    # One per function of ours and per state machine's executions, and the API's access logs, the VPC's
    # flow logs and the GPU workers' containers (trainer, synth); CDK's own helper functions log elsewhere.
    functions = [key for key in platform.all_resources("AWS::Lambda::Function") if not key.startswith(CDK_HELPERS)]
    machines = platform.all_resources("AWS::StepFunctions::StateMachine")
    assert len(log_groups) == len(functions) + len(machines) + OTHER_LOG_GROUPS, sorted(log_groups)
    for key, log_group in log_groups.items():
        assert f"FnGetAtt{key_id}Arn" in flatten(log_group["Properties"]["KmsKeyId"]), key
    (topic,) = platform.resources("monitoring", "AWS::SNS::Topic").values()
    assert f"FnGetAtt{key_id}Arn" in flatten(topic["Properties"]["KmsMasterKeyId"])


def test_the_key_policy_lets_cloudwatch_logs_and_alarms_use_the_key_and_nothing_more(platform: Synthesized) -> None:
    _, key = _platform_key(platform)
    assert key["Properties"]["EnableKeyRotation"] is True
    services = {}
    for statement in key["Properties"]["KeyPolicy"]["Statement"]:
        if "Service" in statement["Principal"]:
            services[flatten(statement["Principal"]["Service"])] = statement
    assert set(services) == {"logs.<{\"Ref\": \"AWS::Region\"}>.amazonaws.com", "cloudwatch.amazonaws.com"}
    logs = services["logs.<{\"Ref\": \"AWS::Region\"}>.amazonaws.com"]
    context = flatten(logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"])
    assert context.endswith(':log-group:*') and "AWS::AccountId" in context
    assert set(services["cloudwatch.amazonaws.com"]["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey"}
    for statement in services.values():
        assert all("*" not in action for action in actions_of(statement))


def test_every_checkov_skip_names_a_check_and_gives_a_documented_reason(platform: Synthesized) -> None:
    documented = DEPLOY_CHECKS_DOC.read_text()
    skipped = set()
    for template in platform.templates.values():
        for key, resource in template.to_json()["Resources"].items():
            for check_id, comment in _skips(resource).items():
                assert re.fullmatch(r"CKV_AWS_\d+", check_id), key
                assert len(comment.split()) >= checkov_skip.MIN_REASON_WORDS, f"{key}: {check_id}"
                skipped.add(check_id)
    assert skipped == {"CKV_AWS_18", "CKV_AWS_21", "CKV_AWS_27", "CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117",
                       "CKV_AWS_173"}
    assert all(check_id in documented for check_id in skipped), "docs/deploy-checks.md lists every skipped check"


def test_a_skip_lands_in_the_resources_metadata_and_needs_a_reason() -> None:
    stack = Stack(App(), "Control")
    bucket = s3.Bucket(stack, "Bucket")
    checkov_skip.skip(bucket, "first reason, long enough to explain", "CKV_AWS_18")
    checkov_skip.skip(bucket, "second reason, long enough to explain", "CKV_AWS_21", "CKV_AWS_18")
    assert bucket.node.default_child.get_metadata("checkov") == {"skip": [
        {"id": "CKV_AWS_18", "comment": "first reason, long enough to explain"},
        {"id": "CKV_AWS_21", "comment": "second reason, long enough to explain"},
    ]}
    with pytest.raises(ValueError, match="reason"):
        checkov_skip.skip(bucket, "too short", "CKV_AWS_18")
    with pytest.raises(ValueError, match="name the checkov checks"):
        checkov_skip.skip(bucket, "a reason that is long enough here")


def test_the_report_parser_reads_failures_skips_and_parse_errors() -> None:
    report = {
        "check_type": "cloudformation",
        "results": {
            "failed_checks": [{"check_id": "CKV_AWS_115", "resource": "AWS::Lambda::Function.Fn",
                               "file_path": "/VoiceClone-Api.template.json"}],
            "skipped_checks": [{"check_id": "CKV_AWS_117", "resource": "AWS::Lambda::Function.Fn",
                                "check_result": {"result": "SKIPPED", "suppress_comment": "why"}},
                               {"check_id": "CKV_AWS_18", "resource": "AWS::S3::Bucket.B",
                                "check_result": {"result": "SKIPPED"}}],
            "parsing_errors": ["/bad.template.json"],
        },
        "summary": {"passed": 7, "failed": 1, "skipped": 2, "parsing_errors": 1},
    }
    result = parse_report([report])
    assert result.passed == 7
    assert result.failed == ["CKV_AWS_115 AWS::Lambda::Function.Fn (VoiceClone-Api.template.json)"]
    assert result.skipped == {"CKV_AWS_117 AWS::Lambda::Function.Fn": "why", "CKV_AWS_18 AWS::S3::Bucket.B": ""}
    assert result.parsing_errors == ["/bad.template.json"] and not result.clean
    assert parse_report({"check_type": "cloudformation", "results": {}, "summary": {"passed": 3}}).clean
