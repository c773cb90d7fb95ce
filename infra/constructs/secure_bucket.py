"""An S3 bucket with the house rules: encrypted, private, TLS only, access-logged, lifecycle managed."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct


def expire_prefix(prefix: str, days: int) -> s3.LifecycleRule:
    """Objects under `prefix` are deleted `days` after they were written."""
    return s3.LifecycleRule(id=f"expire-{prefix.strip('/') or 'all'}", prefix=prefix, expiration=Duration.days(days))


ABORT_INCOMPLETE_UPLOADS = s3.LifecycleRule(
    id="abort-incomplete-multipart-uploads", abort_incomplete_multipart_upload_after=Duration.days(1)
)


class SecureBucket(s3.Bucket):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        access_logs: s3.IBucket | None,
        lifecycle_rules: Sequence[s3.LifecycleRule] = (),
        versioned: bool = False,
        cors: Sequence[s3.CorsRule] = (),
        removal_policy: RemovalPolicy,
    ) -> None:
        destroy = removal_policy == RemovalPolicy.DESTROY
        super().__init__(
            scope,
            construct_id,
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=versioned,
            lifecycle_rules=[ABORT_INCOMPLETE_UPLOADS, *lifecycle_rules],
            cors=list(cors) or None,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix=f"{construct_id}/" if access_logs else None,
            removal_policy=removal_policy,
            auto_delete_objects=destroy,
        )
