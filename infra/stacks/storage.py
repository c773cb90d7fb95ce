"""Storage: the samples, models and outputs buckets, the bucket their access logs go to, and the platform's
KMS key (log groups and the alarm topic)."""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra import checkov_skip, nag
from infra.config import InfraConfig
from infra.constructs.platform_key import PlatformKey
from infra.constructs.secure_bucket import SecureBucket, expire_prefix


class StorageStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: InfraConfig, console_origin: str | None = None,
                 **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        removal = config.removal_policy
        self.key = PlatformKey(self, "PlatformKey", removal_policy=removal)

        self.access_logs = SecureBucket(
            self,
            "AccessLogs",
            access_logs=None,
            lifecycle_rules=[expire_prefix("", config.access_log_retention_days)],
            removal_policy=removal,
        )
        nag.acknowledge(
            self.access_logs,
            "This bucket receives the server access logs of the others; logging it into itself would loop.",
            "AwsSolutions-S1",
        )
        checkov_skip.skip(
            self.access_logs,
            "This bucket receives the server access logs of the others; logging it into itself would loop.",
            "CKV_AWS_18",
        )
        checkov_skip.skip(
            self.access_logs,
            "S3 log delivery writes each log object once under a unique key; nothing overwrites or deletes "
            "one before its lifecycle expiry, so there is no earlier version to keep.",
            "CKV_AWS_21",
        )
        # Browsers upload with a presigned POST and fetch results through a presigned GET.
        browser_cors = [
            s3.CorsRule(
                allowed_methods=[s3.HttpMethods.POST, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
                allowed_origins=config.cors_origins_with(console_origin) if console_origin else config.cors_allowed_origins,
                allowed_headers=["*"],
                max_age=3000,
            )
        ]
        self.samples = SecureBucket(
            self,
            "Samples",
            access_logs=self.access_logs,
            lifecycle_rules=[
                expire_prefix("raw/", config.raw_sample_retention_days),
                expire_prefix("prepared/", config.prepared_clip_retention_days),
            ],
            cors=browser_cors,
            removal_policy=removal,
        )
        checkov_skip.skip(
            self.samples,
            "Recordings of a person's voice: deleting a sample must remove the recording for good, and "
            "versioning would keep every deleted recording as a noncurrent version. Prepared clips are "
            "rebuilt from the raw sample.",
            "CKV_AWS_21",
        )
        self.models = SecureBucket(
            self,
            "Models",
            access_logs=self.access_logs,
            versioned=True,  # voice artifacts and base weights: an overwrite must be recoverable
            lifecycle_rules=[
                expire_prefix("checkpoints/", config.checkpoint_retention_days),
                s3.LifecycleRule(
                    id="expire-noncurrent-versions", noncurrent_version_expiration=Duration.days(30)
                ),
            ],
            removal_policy=removal,
        )
        self.outputs = SecureBucket(
            self,
            "Outputs",
            access_logs=self.access_logs,
            lifecycle_rules=[expire_prefix("tts/", config.output_retention_days)],
            cors=browser_cors,
            removal_policy=removal,
        )
        checkov_skip.skip(
            self.outputs,
            "Synthesised speech is written once per job and expires after output_retention_days; versions "
            "would only keep deleted or expired results longer.",
            "CKV_AWS_21",
        )
        for name, bucket in (("Samples", self.samples), ("Models", self.models), ("Outputs", self.outputs)):
            CfnOutput(self, f"{name}BucketName", value=bucket.bucket_name)
