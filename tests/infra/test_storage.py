"""Storage template: private, encrypted, TLS-only buckets with lifecycle rules, access logs and events."""

from __future__ import annotations

from aws_cdk.assertions import Match

from tests.infra.conftest import Synthesized, flatten, synthesize

DATA_BUCKETS = ("Samples", "Models", "Outputs")


def _bucket(platform: Synthesized, name: str) -> dict:
    (bucket,) = [value for key, value in platform.resources("storage", "AWS::S3::Bucket").items() if key.startswith(name)]
    return bucket["Properties"]


def test_every_bucket_blocks_public_access_and_is_encrypted(platform: Synthesized) -> None:
    buckets = platform.all_resources("AWS::S3::Bucket")
    assert len(buckets) == 4  # samples, models, outputs, access logs
    for name, bucket in buckets.items():
        properties = bucket["Properties"]
        assert properties["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
        }, name
        assert properties["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
        assert bucket.get("DeletionPolicy") == "Retain", f"{name}: data survives `cdk destroy` by default"


def test_every_bucket_denies_requests_without_tls(platform: Synthesized) -> None:
    buckets = platform.resources("storage", "AWS::S3::Bucket")
    policies = platform.resources("storage", "AWS::S3::BucketPolicy").values()
    for logical_id in buckets:
        statements = [
            statement
            for policy in policies
            if policy["Properties"]["Bucket"] == {"Ref": logical_id}
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        ]
        assert {
            "Action": "s3:*", "Effect": "Deny", "Principal": {"AWS": "*"},
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }.items() <= next(s for s in statements if "Bool" in s.get("Condition", {})).items(), logical_id


def test_data_buckets_log_their_access_and_models_keep_versions(platform: Synthesized) -> None:
    for name in DATA_BUCKETS:
        logging = _bucket(platform, name)["LoggingConfiguration"]
        assert logging["DestinationBucketName"]["Ref"].startswith("AccessLogs")
    assert _bucket(platform, "Models")["VersioningConfiguration"] == {"Status": "Enabled"}
    assert "VersioningConfiguration" not in _bucket(platform, "Outputs")


def _expiry_days(properties: dict) -> dict[str, int]:
    rules = properties["LifecycleConfiguration"]["Rules"]
    return {rule["Prefix"]: rule["ExpirationInDays"] for rule in rules if "ExpirationInDays" in rule and "Prefix" in rule}


def test_lifecycle_rules_follow_the_configured_retention(platform: Synthesized) -> None:
    assert _expiry_days(_bucket(platform, "Samples")) == {"raw/": 90, "prepared/": 14}
    assert _expiry_days(_bucket(platform, "Outputs")) == {"tts/": 7}
    assert _expiry_days(_bucket(platform, "Models")) == {"checkpoints/": 30}

    custom = synthesize({"output_retention_days": "3", "raw_sample_retention_days": 30, "destroy_data_on_delete": "true"})
    assert _expiry_days(_bucket(custom, "Outputs")) == {"tts/": 3}
    assert _expiry_days(_bucket(custom, "Samples"))["raw/"] == 30
    for bucket in custom.resources("storage", "AWS::S3::Bucket").values():
        assert bucket["DeletionPolicy"] == "Delete"


def test_raw_uploads_trigger_analysis_and_removals_trigger_cleanup(platform: Synthesized) -> None:
    notifications = platform.resources("workflows", "Custom::S3BucketNotifications").values()
    routes = {
        (flatten(config["LambdaFunctionArn"]), event, rule["Value"])
        for notification in notifications
        for config in notification["Properties"]["NotificationConfiguration"]["LambdaFunctionConfigurations"]
        for event in config["Events"]
        for rule in config["Filter"]["Key"]["FilterRules"]
    }
    by_target = {(event, prefix): target for target, event, prefix in routes}
    assert "AnalyzeSample" in by_target[("s3:ObjectCreated:*", "raw/")]
    for prefix in ("raw/", "tts/"):
        for event in ("s3:ObjectRemoved:*", "s3:LifecycleExpiration:*"):
            assert "Cleanup" in by_target[(event, prefix)]
    assert len(routes) == 5


def test_browsers_may_post_uploads_and_fetch_results(platform: Synthesized) -> None:
    platform.template("storage").has_resource_properties(
        "AWS::S3::Bucket",
        {"CorsConfiguration": {"CorsRules": [Match.object_like({"AllowedMethods": Match.array_with(["POST"])})]}},
    )
