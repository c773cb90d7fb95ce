"""The real-time path in AWS: an internet-facing ALB in front of the gpu-synth service's real-time app.

Why an ALB and how a client is answered while no worker is up: docs/decisions/0013-realtime-path.md.
- HTTPS listener (the configured certificate, TLS 1.2+), HTTP redirected to it; /v1/* forwards to the
  synth tasks' real-time port (bridge networking: dynamic host ports, instance targets), anything else
  is a JSON 404 from the ALB itself.
- While the synth target group has no healthy target the rule forwards instead to a Lambda that
  answers 503 with Retry-After (functions.realtime.unavailable); functions.realtime.gate switches the
  rule every minute and on each synth task state change.
- Access logs to their own bucket; an idle timeout for long silent WebSockets; optional WAF.
- `demand` (requests, refusals while cold, open connections) joins the synth service's queue backlog
  in its scaling metric, so real-time clients keep a worker up and wake one from zero.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_elasticloadbalancingv2_targets as elbv2_targets
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_wafv2 as wafv2
from aws_cdk.region_info import FactName
from constructs import Construct

from infra import checkov_skip, nag
from infra.config import InfraConfig
from infra.constructs.dead_letter_queue import dead_letter_queue
from infra.constructs.lambda_code import function_code
from infra.constructs.log_group import log_group
from infra.constructs.secure_bucket import SecureBucket, expire_prefix
from infra.constructs.service_function import ServiceFunction

REALTIME_PORT = 8080  # the gpu-synth container's real-time app (containers/gpu-synth/Dockerfile)
HEALTH_PATH = "/v1/health"
LOG_PREFIX = "realtime"
ROUTE_PATHS = ["/v1/*"]
# ECS picks bridge-mode host ports from the Linux ephemeral range (AWS's documented range for the rule).
EPHEMERAL_PORTS = ec2.Port.tcp_range(32768, 65535)
GATE_CONCURRENCY = 1  # one switch at a time; no database
UNAVAILABLE_CONCURRENCY = 10  # answers in milliseconds; no database
NOT_FOUND_BODY = '{"error": {"code": "route_not_found", "message": "The real-time endpoint serves /v1/ only."}}'


class RealtimeEndpoint(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: InfraConfig,
        vpc: ec2.IVpc,
        log_key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        assert config.realtime_certificate_arn is not None
        self._config, self._key = config, log_key
        removal = config.removal_policy
        self.security_group = ec2.SecurityGroup(
            self, "SecurityGroup", vpc=vpc, allow_all_outbound=False,
            description="Real-time ALB: HTTPS (and HTTP, redirected) from anywhere; out to the synth tasks only.",
        )
        self.security_group.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS from clients")
        self.security_group.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(80), "HTTP, redirected to HTTPS")
        nag.acknowledge(self.security_group, "A public API endpoint: clients connect from anywhere; port 80 only "
                        "redirects to 443.", "AwsSolutions-EC23")
        checkov_skip.skip(self.security_group, "Port 80 is open only so that plain-HTTP clients get a redirect to "
                          "HTTPS from the listener; nothing is served on it.", "CKV_AWS_260")
        self.logs_bucket = self._logs_bucket(config, removal)
        self.load_balancer = elbv2.ApplicationLoadBalancer(
            self, "LoadBalancer", vpc=vpc, internet_facing=True, security_group=self.security_group,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            idle_timeout=Duration.seconds(config.realtime_idle_timeout_s),
            drop_invalid_header_fields=True, deletion_protection=not config.destroy_data_on_delete,
            http2_enabled=True,
        )
        if config.destroy_data_on_delete:
            checkov_skip.skip(self.load_balancer, "destroy_data_on_delete is the operator's choice for a "
                              "throw-away deployment: the stack must be deletable.", "CKV_AWS_150")
        self._log_access(self.logs_bucket)
        self.load_balancer.add_listener(
            "Http", port=80, protocol=elbv2.ApplicationProtocol.HTTP,
            default_action=elbv2.ListenerAction.redirect(protocol="HTTPS", port="443", permanent=True),
        )
        certificate = acm.Certificate.from_certificate_arn(self, "Certificate", config.realtime_certificate_arn)
        self.listener = self.load_balancer.add_listener(
            "Https", port=443, protocol=elbv2.ApplicationProtocol.HTTPS, certificates=[certificate],
            ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS, open=False,
            default_action=elbv2.ListenerAction.fixed_response(404, content_type="application/json",
                                                               message_body=NOT_FOUND_BODY),
        )
        self.synth_targets = elbv2.ApplicationTargetGroup(
            self, "SynthTargets", vpc=vpc, port=REALTIME_PORT, protocol=elbv2.ApplicationProtocol.HTTP,
            target_type=elbv2.TargetType.INSTANCE,
            # A stopping worker finishes its streams (the container's stop timeout is 120 s).
            deregistration_delay=Duration.seconds(config.realtime_drain_s),
            health_check=elbv2.HealthCheck(path=HEALTH_PATH, port="traffic-port", interval=Duration.seconds(15), timeout=Duration.seconds(5),
                                           healthy_threshold_count=2, unhealthy_threshold_count=3,
                                           healthy_http_codes="200"),
        )
        self.unavailable = self._function(
            "Unavailable", "functions.realtime.unavailable.lambda_handler",
            "Answers /v1 with 503 and Retry-After while no synth worker is healthy.",
            {"RETRY_AFTER_S": str(config.realtime_retry_after_s)}, UNAVAILABLE_CONCURRENCY,
            synchronous_caller="the real-time ALB (its 5xx reaches the client as the answer)",
        )
        self.unavailable_targets = elbv2.ApplicationTargetGroup(
            self, "UnavailableTargets", target_type=elbv2.TargetType.LAMBDA,
            targets=[elbv2_targets.LambdaTarget(self.unavailable)],
        )
        # Only ELB in this account may invoke it (the target group's ARN would make a dependency cycle).
        for child in self.unavailable.node.children:
            if isinstance(child, lambda_.CfnPermission):
                child.add_property_override("SourceAccount", Stack.of(self).account)
        self.rule = elbv2.ApplicationListenerRule(
            self, "Route", listener=self.listener, priority=10,
            conditions=[elbv2.ListenerCondition.path_patterns(ROUTE_PATHS)],
            # The gate replaces this within a minute whenever it is wrong (a deploy resets it to this).
            action=elbv2.ListenerAction.forward([self.synth_targets]),
        )
        self.gate = self._gate()
        if config.realtime_waf:
            self._web_acl(removal)
        else:
            checkov_skip.skip(self.load_balancer, "realtime_waf=false is the operator's choice; clients must "
                              "authenticate with a JWT or API key on every route anyway.", "CKV2_AWS_28")

    # -- wiring to the synth service ------------------------------------------------------------------
    def demand(self) -> tuple[str, dict[str, cloudwatch.IMetric]]:
        """Real-time demand in the scaling backlog's units (one stream ~ one job): the minute's requests
        to the workers and refusals while cold (these wake a worker), plus open connections (counted on
        both sides of the ALB, so halved). ALB metrics have no data points without traffic: FILL(…, 0)."""
        minute = Duration.minutes(1)
        return "FILL(rt_requests, 0) + FILL(rt_refused, 0) + FILL(rt_connections, 0) / 2", {
            "rt_requests": self.synth_targets.metrics.request_count(period=minute),
            # (not yet attached to a listener: the gate points the rule at it, so CDK's helper refuses)
            "rt_refused": cloudwatch.Metric(
                namespace="AWS/ApplicationELB", metric_name="RequestCount", statistic="Sum", period=minute,
                dimensions_map={"TargetGroup": self.unavailable_targets.target_group_full_name,
                                "LoadBalancer": self.load_balancer.load_balancer_full_name}),
            "rt_connections": self.load_balancer.metrics.active_connection_count(period=minute),
        }

    def serve(self, service: ecs.Ec2Service, container: ecs.ContainerDefinition, hosts: ec2.ISecurityGroup,
              cluster: ecs.ICluster) -> None:
        """Register the synth service's real-time port, let the ALB reach it, run the gate on its task changes."""
        container.add_port_mappings(ecs.PortMapping(container_port=REALTIME_PORT, host_port=0,
                                                    protocol=ecs.Protocol.TCP))
        self.synth_targets.add_target(service.load_balancer_target(container_name=container.container_name,
                                                                    container_port=REALTIME_PORT))
        hosts.add_ingress_rule(self.security_group, EPHEMERAL_PORTS, "Real-time ALB to the synth tasks' host ports")
        self.security_group.add_egress_rule(hosts, EPHEMERAL_PORTS, "To the synth tasks' host ports")
        events.Rule(
            self, "OnSynthTaskChange",
            description="Re-point the real-time rule when a synth task starts or stops.",
            event_pattern=events.EventPattern(
                source=["aws.ecs"], detail_type=["ECS Task State Change"],
                detail={"clusterArn": [cluster.cluster_arn], "group": [f"service:{service.service_name}"]},
            ),
            targets=[events_targets.LambdaFunction(self.gate)],
        )

    # -- pieces ---------------------------------------------------------------------------------------
    def _logs_bucket(self, config: InfraConfig, removal: RemovalPolicy) -> SecureBucket:
        bucket = SecureBucket(self, "AccessLogs", access_logs=None, removal_policy=removal,
                              lifecycle_rules=[expire_prefix("", config.access_log_retention_days)])
        reason = "This bucket receives the ALB's access logs; logging it would need the storage stack's log "
        reason += "bucket to reference this stack (a dependency cycle), and its writer is ELB only."
        nag.acknowledge(bucket, reason, "AwsSolutions-S1")
        checkov_skip.skip(bucket, reason, "CKV_AWS_18")
        checkov_skip.skip(bucket, "ELB writes each log object once under a unique key; nothing overwrites one "
                          "before its lifecycle expiry, so there is no earlier version to keep.", "CKV_AWS_21")
        return bucket

    def _log_access(self, bucket: SecureBucket) -> None:
        """CDK's log_access_logs needs a concrete region; the stacks are region-agnostic, so the bucket
        policy names both writers AWS documents: the region's ELB account (a CloudFormation mapping,
        regions before August 2022) and the log delivery service principal (regions since)."""
        stack = Stack.of(self)
        elb_account = stack.regional_fact(FactName.ELBV2_ACCOUNT)
        bucket.add_to_resource_policy(iam.PolicyStatement(
            principals=[iam.AccountPrincipal(elb_account),
                        iam.ServicePrincipal("logdelivery.elasticloadbalancing.amazonaws.com")],
            actions=["s3:PutObject"], resources=[bucket.arn_for_objects(f"{LOG_PREFIX}/AWSLogs/{stack.account}/*")],
        ))
        for name, value in (("access_logs.s3.enabled", "true"), ("access_logs.s3.bucket", bucket.bucket_name),
                            ("access_logs.s3.prefix", LOG_PREFIX)):
            self.load_balancer.set_attribute(name, value)
        if bucket.policy is not None:  # ELB checks that it may write when the attribute is set
            self.load_balancer.node.add_dependency(bucket.policy)

    def _function(self, construct_id: str, handler: str, description: str, environment: dict[str, str],
                  concurrency: int, **caller: object) -> lambda_.Function:
        config = self._config
        construct = ServiceFunction(
            self, construct_id, code=function_code(config.bundle_lambdas), handler=handler, description=description,
            environment=environment, log_retention_days=config.log_retention_days, log_key=self._key,
            removal_policy=config.removal_policy, reserved_concurrency=concurrency, memory_size=256,
            timeout=Duration.seconds(10), **caller,  # type: ignore[arg-type]
        )
        return construct.function

    def _gate(self) -> lambda_.Function:
        failed = dead_letter_queue(self, "GateFailedEvents", holds="scheduled and ECS task events the gate failed on",
                                   removal_policy=self._config.removal_policy)
        gate = self._function(
            "Gate", "functions.realtime.gate.lambda_handler",
            "Forwards /v1 to the synth workers while one is healthy, else to the 503 Lambda.",
            {"RULE_ARN": self.rule.listener_rule_arn, "SYNTH_TARGET_GROUP_ARN": self.synth_targets.target_group_arn,
             "UNAVAILABLE_TARGET_GROUP_ARN": self.unavailable_targets.target_group_arn},
            GATE_CONCURRENCY, dead_letter_queue=failed,
        )
        gate.add_to_role_policy(iam.PolicyStatement(actions=["elasticloadbalancing:ModifyRule"],
                                                    resources=[self.rule.listener_rule_arn]))
        gate.add_to_role_policy(iam.PolicyStatement(
            actions=["elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeRules"],
            resources=["*"]))
        nag.acknowledge_wildcards(gate, "elasticloadbalancing:DescribeTargetHealth and DescribeRules have no "
                                  "resource-level permissions.", ["Resource::*"])
        events.Rule(self, "EveryMinute", description="Re-check the synth workers' health for the real-time rule.",
                    schedule=events.Schedule.rate(Duration.minutes(1)),
                    targets=[events_targets.LambdaFunction(gate)])
        return gate

    def _web_acl(self, removal: RemovalPolicy) -> None:
        def managed(name: str, priority: int, overrides: tuple[str, ...] = ()) -> wafv2.CfnWebACL.RuleProperty:
            return wafv2.CfnWebACL.RuleProperty(
                name=name, priority=priority, override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                statement=wafv2.CfnWebACL.StatementProperty(managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                    vendor_name="AWS", name=name,
                    rule_action_overrides=[wafv2.CfnWebACL.RuleActionOverrideProperty(
                        name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})) for rule in overrides] or None,
                )),
                visibility_config=_visibility(name),
            )

        rate_limit = wafv2.CfnWebACL.RuleProperty(
            name="RateLimitPerIp", priority=0, action=wafv2.CfnWebACL.RuleActionProperty(block={}),
            statement=wafv2.CfnWebACL.StatementProperty(rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                limit=self._config.realtime_rate_limit_per_5_min, aggregate_key_type="IP")),
            visibility_config=_visibility("RateLimitPerIp"),
        )
        acl = wafv2.CfnWebACL(
            self, "WebAcl", scope="REGIONAL", default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility("RealtimeWebAcl"),
            rules=[rate_limit,
                   # A speech request body is text up to 4096 characters: the 8 KB body rule only counts.
                   managed("AWSManagedRulesCommonRuleSet", 1, ("SizeRestrictions_BODY",)),
                   managed("AWSManagedRulesKnownBadInputsRuleSet", 2)],
        )
        wafv2.CfnWebACLAssociation(self, "WebAclAssociation", resource_arn=self.load_balancer.load_balancer_arn,
                                   web_acl_arn=acl.attr_arn)
        # WAF logs only to a log group whose name starts with aws-waf-logs- (WAF's rule).
        waf_logs = log_group(self, "WafLogs", key=self._key, retention_days=self._config.log_retention_days,
                             removal_policy=removal)
        waf_logs.node.default_child.add_property_override(  # type: ignore[union-attr]
            "LogGroupName", f"aws-waf-logs-{self._config.app_name.lower()}-realtime")
        wafv2.CfnLoggingConfiguration(self, "WafLogging", resource_arn=acl.attr_arn,
                                      log_destination_configs=[waf_logs.log_group_arn])


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(cloud_watch_metrics_enabled=True, metric_name=name,
                                                    sampled_requests_enabled=True)
