"""A dead-letter queue: encrypted (SSE-SQS), TLS only, messages kept 14 days for inspection and redrive."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import checkov_skip, nag

SQS_MANAGED_ENCRYPTION_REASON = (
    "Encrypted at rest with SSE-SQS (SqsManagedSseEnabled); checkov's CloudFormation check only accepts "
    "KmsMasterKeyId. A KMS key would add a KMS call and key grants to every producer for no gain here."
)


def sqs_managed_encryption(queue: sqs.Queue) -> None:
    """Record, for checkov, why an SSE-SQS queue has no KMS key."""
    checkov_skip.skip(queue, SQS_MANAGED_ENCRYPTION_REASON, "CKV_AWS_27")


def dead_letter_queue(scope: Construct, construct_id: str, *, holds: str, removal_policy: RemovalPolicy) -> sqs.Queue:
    """`holds` says what lands there (for the acknowledgement), e.g. "S3 events analyze-sample failed on"."""
    queue = sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=Duration.days(14),
        removal_policy=removal_policy,
    )
    nag.acknowledge(queue, f"This is a dead-letter queue ({holds}); its depth alarms in the monitoring stack.",
                    "AwsSolutions-SQS3")
    sqs_managed_encryption(queue)
    return queue
