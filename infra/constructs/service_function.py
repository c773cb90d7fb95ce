"""A Lambda function with the house defaults: tracing, JSON logs (KMS-encrypted, with retention),
Powertools settings, reserved concurrency, and a dead-letter queue when it is invoked asynchronously."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import checkov_skip, nag
from infra.constructs.lambda_code import RUNTIME
from infra.constructs.log_group import log_group

DEFAULT_TIMEOUT = Duration.seconds(30)

NO_VPC_REASON = (
    "Reaches only MongoDB Atlas (TLS, credentials from Secrets Manager) and AWS APIs over their public "
    "endpoints; there is nothing in a VPC to reach, and a VPC would route every call through NAT "
    "(docs/deploy-checks.md: Atlas private endpoints are the way to take it off the internet)."
)
PLAIN_ENVIRONMENT_REASON = (
    "The environment holds only bucket names, ARNs and limits (the MongoDB URI travels as its secret's "
    "ARN; tests/infra asserts it), encrypted at rest by Lambda's AWS-managed key."
)


class ServiceFunction(Construct):
    """One Lambda and its log group. `handler` is "module.lambda_handler" inside the zip package, or
    None for a container image whose CMD names it.

    Give exactly one of `dead_letter_queue` (invoked asynchronously: S3 events, EventBridge; events that
    fail every retry land there) and `synchronous_caller` (who receives its errors, and what it does
    with them: there is nothing to dead-letter)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        code: lambda_.Code | lambda_.DockerImageCode,
        handler: str | None,
        description: str,
        environment: dict[str, str],
        log_retention_days: int,
        log_key: kms.IKey,
        removal_policy: RemovalPolicy,
        reserved_concurrency: int,
        dead_letter_queue: sqs.IQueue | None = None,
        synchronous_caller: str | None = None,
        timeout: Duration = DEFAULT_TIMEOUT,
        memory_size: int = 512,
    ) -> None:
        super().__init__(scope, construct_id)
        if (dead_letter_queue is None) == (synchronous_caller is None):
            raise ValueError(f"{construct_id}: give either dead_letter_queue (asynchronous) or synchronous_caller")
        self.log_group = log_group(
            self, "Logs", key=log_key, retention_days=log_retention_days, removal_policy=removal_policy
        )
        common = {
            "description": description,
            "environment": {"POWERTOOLS_SERVICE_NAME": "voiceclone", "POWERTOOLS_LOG_LEVEL": "INFO", **environment},
            "timeout": timeout,
            "memory_size": memory_size,
            "tracing": lambda_.Tracing.ACTIVE,
            "architecture": lambda_.Architecture.X86_64,
            "log_group": self.log_group,
            "logging_format": lambda_.LoggingFormat.JSON,
            "reserved_concurrent_executions": reserved_concurrency,
            "dead_letter_queue": dead_letter_queue,
        }
        if isinstance(code, lambda_.DockerImageCode):
            self.function: lambda_.Function = lambda_.DockerImageFunction(self, "Function", code=code, **common)
        else:
            self.function = lambda_.Function(self, "Function", code=code, handler=handler, runtime=RUNTIME, **common)
            nag.acknowledge(
                self.function,
                f"Python {RUNTIME.name.removeprefix('python')}: the version the project is built and tested with, "
                "and the base of the audio Lambda image.",
                "AwsSolutions-L1",
            )
        nag.acknowledge(
            self.function,
            "AWSLambdaBasicExecutionRole only lets the function write its own CloudWatch logs.",
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
        )
        nag.acknowledge(
            self.function,
            "Active tracing: xray:PutTraceSegments/PutTelemetryRecords have no resource-level permissions "
            "(tests/infra asserts that no other statement uses Resource *).",
            "AwsSolutions-IAM5[Resource::*]",
        )
        if synchronous_caller is not None:
            checkov_skip.skip(
                self.function,
                f"Invoked synchronously by {synchronous_caller}; a dead-letter queue only ever receives "
                "failed asynchronous events.",
                "CKV_AWS_116",
            )
        checkov_skip.skip(self.function, NO_VPC_REASON, "CKV_AWS_117")
        checkov_skip.skip(self.function, PLAIN_ENVIRONMENT_REASON, "CKV_AWS_173")
