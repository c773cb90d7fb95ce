"""The real-time endpoint (infra/constructs/realtime_endpoint.py): an ALB in front of the synth workers'
real-time app, a 503-with-Retry-After Lambda while none is healthy, and the gate that switches between them.
Template assertions on one synthesis with a certificate; the default synthesis has no endpoint."""

from __future__ import annotations

import json

import pytest

from infra.constructs.realtime_endpoint import HEALTH_PATH, REALTIME_PORT
from tests.infra.conftest import Synthesized, synthesize

CERTIFICATE = "arn:aws:acm:eu-west-1:123456789012:certificate/realtime"


@pytest.fixture(scope="module")
def realtime() -> Synthesized:
    return synthesize({"realtime_certificate_arn": CERTIFICATE, "realtime_idle_timeout_s": 600})


def _one(platform: Synthesized, resource_type: str, **properties) -> dict:
    found = [resource for resource in platform.resources("compute", resource_type).values()
             if all(resource["Properties"].get(name) == value for name, value in properties.items())]
    assert len(found) == 1, (resource_type, properties, found)
    return found[0]["Properties"]


def _attributes(resource: dict) -> dict[str, str]:
    return {attribute["Key"]: attribute["Value"] for attribute in resource.get("LoadBalancerAttributes", [])}


def test_without_a_certificate_there_is_no_endpoint(platform: Synthesized) -> None:
    assert platform.resources("compute", "AWS::ElasticLoadBalancingV2::LoadBalancer") == {}
    assert platform.platform.compute.realtime is None


def test_an_internet_facing_alb_with_access_logs_idle_timeout_and_no_invalid_headers(realtime: Synthesized) -> None:
    alb = _one(realtime, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    attributes = _attributes(alb)
    assert alb["Scheme"] == "internet-facing" and alb["Type"] == "application"
    assert attributes["idle_timeout.timeout_seconds"] == "600"
    assert attributes["access_logs.s3.enabled"] == "true"
    assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"
    assert attributes["deletion_protection.enabled"] == "true"


def test_https_with_the_certificate_and_http_redirected(realtime: Synthesized) -> None:
    https = _one(realtime, "AWS::ElasticLoadBalancingV2::Listener", Port=443)
    assert https["Protocol"] == "HTTPS" and https["Certificates"] == [{"CertificateArn": CERTIFICATE}]
    assert https["SslPolicy"].startswith("ELBSecurityPolicy-TLS13")
    (default,) = https["DefaultActions"]
    assert default["Type"] == "fixed-response" and default["FixedResponseConfig"]["StatusCode"] == "404"
    assert json.loads(default["FixedResponseConfig"]["MessageBody"])["error"]["code"] == "route_not_found"
    http = _one(realtime, "AWS::ElasticLoadBalancingV2::Listener", Port=80)
    (redirect,) = http["DefaultActions"]
    assert redirect["Type"] == "redirect"
    assert redirect["RedirectConfig"] == {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}


def test_v1_forwards_to_the_synth_tasks_real_time_port_with_a_health_check(realtime: Synthesized) -> None:
    rule = _one(realtime, "AWS::ElasticLoadBalancingV2::ListenerRule")
    assert rule["Conditions"] == [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/v1/*"]}}]
    (forward,) = rule["Actions"]
    synth_group = _one(realtime, "AWS::ElasticLoadBalancingV2::TargetGroup", TargetType="instance")
    assert synth_group["Port"] == REALTIME_PORT and synth_group["HealthCheckPath"] == HEALTH_PATH
    assert synth_group["Matcher"] == {"HttpCode": "200"}
    assert forward["Type"] == "forward"
    services = realtime.resources("compute", "AWS::ECS::Service")
    (synth,) = [s for key, s in services.items() if key.startswith("Synth")]
    (registration,) = synth["Properties"]["LoadBalancers"]
    assert registration["ContainerPort"] == REALTIME_PORT and registration["ContainerName"] == "Worker"
    task = next(t for key, t in realtime.resources("compute", "AWS::ECS::TaskDefinition").items() if key.startswith("Synth"))
    (container,) = task["Properties"]["ContainerDefinitions"]
    assert {"ContainerPort": REALTIME_PORT, "HostPort": 0, "Protocol": "tcp"} in container["PortMappings"]
    environment = {variable["Name"] for variable in container["Environment"]}
    assert {"VOICECLONE_JWT_ISSUER", "VOICECLONE_JWT_AUDIENCE"} <= environment  # it verifies the API's tokens


def test_hosts_accept_only_the_alb_on_the_dynamic_ports(realtime: Synthesized) -> None:
    ingress = list(realtime.resources("compute", "AWS::EC2::SecurityGroupIngress").values())
    from_alb = [rule["Properties"] for rule in ingress]
    assert from_alb, "the ALB must reach the synth tasks"
    for rule in from_alb:
        assert "CidrIp" not in rule and "SourceSecurityGroupId" in rule  # never from the internet
        assert (rule["FromPort"], rule["ToPort"]) == (32768, 65535)
    alb_group = _one(realtime, "AWS::EC2::SecurityGroup",
                     GroupDescription="Real-time ALB: HTTPS (and HTTP, redirected) from anywhere; out to the synth "
                                      "tasks only.")
    assert sorted(rule["FromPort"] for rule in alb_group["SecurityGroupIngress"]) == [80, 443]


def test_a_lambda_answers_while_no_worker_is_healthy_and_a_gate_switches(realtime: Synthesized) -> None:
    lambda_group = _one(realtime, "AWS::ElasticLoadBalancingV2::TargetGroup", TargetType="lambda")
    assert lambda_group["Targets"]
    functions = {key: f["Properties"] for key, f in realtime.resources("compute", "AWS::Lambda::Function").items()}
    handlers = {f["Handler"]: f for f in functions.values()}
    assert handlers["functions.realtime.unavailable.lambda_handler"]["Environment"]["Variables"]["RETRY_AFTER_S"] == "60"
    gate = handlers["functions.realtime.gate.lambda_handler"]
    assert set(gate["Environment"]["Variables"]) >= {"RULE_ARN", "SYNTH_TARGET_GROUP_ARN",
                                                     "UNAVAILABLE_TARGET_GROUP_ARN"}
    rules = list(realtime.resources("compute", "AWS::Events::Rule").values())
    assert any(r["Properties"].get("ScheduleExpression") == "rate(1 minute)" for r in rules)
    task_changes = [r["Properties"]["EventPattern"] for r in rules if "EventPattern" in r["Properties"]]
    assert any(p["detail-type"] == ["ECS Task State Change"] for p in task_changes)
    policies = [p["Properties"]["PolicyDocument"]["Statement"] for p in realtime.resources("compute", "AWS::IAM::Policy").values()]
    modify = [s for statements in policies for s in statements if s["Action"] == "elasticloadbalancing:ModifyRule"]
    assert len(modify) == 1 and modify[0]["Resource"] != "*"  # the one rule only


def test_real_time_demand_joins_the_synth_scaling_metric(realtime: Synthesized) -> None:
    alarms = realtime.resources("compute", "AWS::CloudWatch::Alarm")
    synth_alarms = [a["Properties"] for key, a in alarms.items() if "Synth" in key]
    assert synth_alarms
    for alarm in synth_alarms:
        expression = next(m["Expression"] for m in alarm["Metrics"] if "Expression" in m)
        assert "FILL(rt_requests, 0)" in expression and "FILL(rt_refused, 0)" in expression
        assert "waiting_synth + inflight_synth" in expression


def test_a_web_acl_guards_the_alb_and_logs(realtime: Synthesized) -> None:
    acl = _one(realtime, "AWS::WAFv2::WebACL")
    assert acl["Scope"] == "REGIONAL"
    assert {rule["Name"] for rule in acl["Rules"]} == {"RateLimitPerIp", "AWSManagedRulesCommonRuleSet",
                                                        "AWSManagedRulesKnownBadInputsRuleSet"}
    assert realtime.resources("compute", "AWS::WAFv2::WebACLAssociation")
    logging = _one(realtime, "AWS::WAFv2::LoggingConfiguration")
    assert logging["LogDestinationConfigs"]
