"""Least-privilege grants with exact actions, scoped to a key prefix (CDK's grant_* add wildcard actions
such as s3:GetObject* and s3:List* on the whole bucket). Each grant acknowledges, with its reason, the one
cdk-nag wildcard finding it creates: the `prefix/*` object ARN."""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from infra import nag

READ = ("s3:GetObject",)
WRITE = ("s3:PutObject", "s3:AbortMultipartUpload")
DELETE = ("s3:DeleteObject",)


def grant_objects(bucket: s3.IBucket, role: iam.IRole, prefix: str, *actions: str) -> None:
    """`actions` on the objects under `prefix` (e.g. "raw/") of `bucket`."""
    role.add_to_principal_policy(iam.PolicyStatement(actions=list(actions), resources=[bucket.arn_for_objects(f"{prefix}*")]))
    nag.acknowledge_wildcards(
        role,
        f"Object keys under {prefix} carry user and job ids unknown at deploy time; the prefix is the narrowest "
        "fixed scope, and the code scopes every key by the authenticated user.",
        [f"Resource::*/{prefix}*"],
    )


def grant_listing(bucket: s3.IBucket, role: iam.IRole, prefix: str) -> None:
    """List keys under `prefix` only (needed to delete a prefix, and for 404 rather than 403 on a miss)."""
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["s3:ListBucket"],
            resources=[bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [f"{prefix}*"]}},
        )
    )


def grant_executions(state_machine_name: str, role: iam.IRole, *actions: str) -> None:
    """`actions` on the executions (named after job ids) of the state machine called `state_machine_name`.

    The ARN is built from the fixed name, not split out of the machine's ARN: no cross-stack token inside
    Fn::Split, and the statement reads plainly."""
    executions = Stack.of(role).format_arn(
        service="states",
        resource="execution",
        resource_name=f"{state_machine_name}:*",
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )
    role.add_to_principal_policy(iam.PolicyStatement(actions=list(actions), resources=[executions]))
    nag.acknowledge_wildcards(
        role,
        "Executions are named after job ids, unknown at deploy time; the grant covers only this state "
        "machine's executions.",
        [f"Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{state_machine_name}:*"],
    )


def grant_invoke(function_arn: str, role: iam.IRole) -> None:
    """Invoke exactly this function ARN (no versions or aliases, which CDK's grant_invoke adds as `:*`)."""
    role.add_to_principal_policy(iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[function_arn]))
