"""A GPU job queue with its dead-letter queue: encrypted, TLS only, poison messages parked after N tries."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.dead_letter_queue import dead_letter_queue, sqs_managed_encryption


class JobQueue(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        visibility_timeout: Duration,
        max_receive_count: int,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dead_letter_queue = dead_letter_queue(
            self, "DeadLetters", holds=f"{construct_id} jobs no worker could take", removal_policy=removal_policy
        )
        self.queue = sqs.Queue(
            self,
            "Queue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            # Workers extend the visibility while they work; this covers a worker that died silently.
            visibility_timeout=visibility_timeout,
            retention_period=Duration.days(4),
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=max_receive_count, queue=self.dead_letter_queue),
            removal_policy=removal_policy,
        )
        sqs_managed_encryption(self.queue)
