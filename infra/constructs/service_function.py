"""A Lambda function with the house defaults: tracing, JSON logs with retention, Powertools settings."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import nag
from infra.constructs.lambda_code import RUNTIME
from infra.constructs.retention import log_retention

DEFAULT_TIMEOUT = Duration.seconds(30)


class ServiceFunction(Construct):
    """One Lambda and its log group. `handler` is "module.lambda_handler" inside the zip package, or
    None for a container image whose CMD names it."""

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
        removal_policy: RemovalPolicy,
        timeout: Duration = DEFAULT_TIMEOUT,
        memory_size: int = 512,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            retention=log_retention(log_retention_days),
            removal_policy=removal_policy,
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

