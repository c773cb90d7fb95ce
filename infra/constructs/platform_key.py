"""The platform's customer-managed KMS key: it encrypts every CloudWatch log group and the alarm topic.

A customer key (not the AWS-managed ones) because CloudWatch Logs can only use a customer key, and
CloudWatch alarms can publish to a topic only when its key policy lets them. The key policy names each
service principal with the exact actions it needs; CloudWatch Logs only for this account's log groups.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

# What CloudWatch Logs calls to encrypt and read log events (AWS's documented policy, wildcards expanded).
LOGS_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey",
                "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"]
# What a publisher needs on an encrypted SNS topic.
ALARM_PUBLISH_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey"]


class PlatformKey(kms.Key):
    def __init__(self, scope: Construct, construct_id: str, *, removal_policy: RemovalPolicy) -> None:
        super().__init__(
            scope,
            construct_id,
            description="voiceclone: CloudWatch log groups and the alarm topic",
            enable_key_rotation=True,
            removal_policy=removal_policy,
            pending_window=Duration.days(7) if removal_policy == RemovalPolicy.DESTROY else None,
        )
        stack = Stack.of(self)
        self.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchLogsOfThisAccount",
                principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                actions=LOGS_ACTIONS,
                resources=["*"],  # in a key policy, "*" is this key
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn":
                            f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:*"
                    }
                },
            )
        )
        self.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=ALARM_PUBLISH_ACTIONS,
                resources=["*"],
            )
        )
