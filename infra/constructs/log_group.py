"""A CloudWatch log group with the house rules: encrypted with the platform key, kept for the configured days."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.constructs.retention import log_retention


def log_group(
    scope: Construct, construct_id: str, *, key: kms.IKey, retention_days: int, removal_policy: RemovalPolicy
) -> logs.LogGroup:
    return logs.LogGroup(
        scope, construct_id, retention=log_retention(retention_days), encryption_key=key, removal_policy=removal_policy
    )
