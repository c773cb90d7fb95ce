"""functions.realtime: the gate points the /v1 rule at the synth workers only while one is healthy (moto's
ELBv2 over boto3), and the unavailable Lambda answers 503 with Retry-After in OpenAI's error shape."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from functions.realtime import gate, unavailable


@pytest.fixture
def alb():
    with mock_aws():
        ec2 = boto3.client("ec2", region_name="eu-west-1")
        elbv2 = boto3.client("elbv2", region_name="eu-west-1")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"eu-west-1{z}")["Subnet"]["SubnetId"]
                   for i, z in ((1, "a"), (2, "b"))]
        lb = elbv2.create_load_balancer(Name="realtime", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
        groups = {name: elbv2.create_target_group(Name=name, Protocol="HTTP", Port=8080, VpcId=vpc,
                                                   TargetType="instance")["TargetGroups"][0]["TargetGroupArn"]
                  for name in ("synth", "unavailable")}
        listener = elbv2.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=[
            {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}])["Listeners"][0]["ListenerArn"]
        rule = elbv2.create_rule(ListenerArn=listener, Priority=10,
                                 Conditions=[{"Field": "path-pattern", "Values": ["/v1/*"]}],
                                 Actions=[{"Type": "forward", "TargetGroupArn": groups["synth"]}])["Rules"][0]["RuleArn"]
        yield elbv2, ec2, rule, groups


def _forwarded(elbv2, rule):
    return gate.forwarded_group(elbv2, rule)


def test_no_healthy_worker_points_the_rule_at_the_503_lambda(alb):
    elbv2, _, rule, groups = alb
    result = gate.switch(elbv2, rule, groups["synth"], groups["unavailable"])
    assert result == {"healthy_targets": 0, "target_group": groups["unavailable"], "changed": True}
    assert _forwarded(elbv2, rule) == groups["unavailable"]
    again = gate.switch(elbv2, rule, groups["synth"], groups["unavailable"])
    assert again["changed"] is False  # nothing to do: the rule is left alone


def test_a_healthy_worker_takes_the_rule_back(alb):
    elbv2, ec2, rule, groups = alb
    gate.switch(elbv2, rule, groups["synth"], groups["unavailable"])
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    elbv2.register_targets(TargetGroupArn=groups["synth"], Targets=[{"Id": instance, "Port": 32770}])
    assert gate.healthy_targets(elbv2, groups["synth"]) == 1
    result = gate.switch(elbv2, rule, groups["synth"], groups["unavailable"])
    assert result["changed"] and _forwarded(elbv2, rule) == groups["synth"]


def test_the_gate_reads_its_arns_from_the_environment(alb, monkeypatch):
    _, _, rule, groups = alb
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("RULE_ARN", rule)
    monkeypatch.setenv("SYNTH_TARGET_GROUP_ARN", groups["synth"])
    monkeypatch.setenv("UNAVAILABLE_TARGET_GROUP_ARN", groups["unavailable"])
    assert gate.lambda_handler({"source": "aws.events"}, None)["target_group"] == groups["unavailable"]


def test_unavailable_is_a_503_with_retry_after_in_openai_error_shape(monkeypatch):
    monkeypatch.setenv("RETRY_AFTER_S", "45")
    answer = unavailable.lambda_handler({"httpMethod": "POST", "path": "/v1/audio/speech"}, None)
    assert answer["statusCode"] == 503 and answer["statusDescription"] == "503 Service Unavailable"
    assert answer["headers"]["Retry-After"] == "45" and answer["headers"]["Content-Type"] == "application/json"
    error = json.loads(answer["body"])["error"]
    assert error["code"] == "worker_starting" and "45 s" in error["message"] and error["type"] == "service_unavailable"


def test_unavailable_answers_head_without_a_body():
    answer = unavailable.lambda_handler({"httpMethod": "HEAD", "path": "/v1/models"}, None)
    assert answer["statusCode"] == 503 and answer["body"] == ""
