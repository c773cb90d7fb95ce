"""Environment variables that become `voiceclone.config.Settings` (prefix VOICECLONE_) in the functions
and workers. Only names and ARNs: the MongoDB URI travels as its secret's ARN, never as a value."""

from __future__ import annotations

from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager

from infra.config import InfraConfig

PREFIX = "VOICECLONE_"


def settings_environment(
    config: InfraConfig,
    *,
    samples: s3.IBucket,
    models: s3.IBucket,
    outputs: s3.IBucket,
    mongo_secret: secretsmanager.ISecret | None,
    **settings: str,
) -> dict[str, str]:
    """`settings` are further Settings fields by name, e.g. training_state_machine_arn=...

    `mongo_secret` None: the runtime injects the URI itself (ECS task secrets), no ARN to resolve."""
    fields = {
        "db_name": config.db_name,
        "samples_bucket": samples.bucket_name,
        "models_bucket": models.bucket_name,
        "outputs_bucket": outputs.bucket_name,
        "upload_max_bytes": str(config.upload_max_bytes),
        "default_plan": config.default_plan,
        "admin_group": config.admin_group,
        "training_job_deadline_s": str(config.training_job_deadline_s),
        "tts_job_deadline_s": str(config.tts_job_deadline_s),
        "output_retention_days": str(config.output_retention_days),
        **settings,
    }
    if mongo_secret is not None:
        fields["mongo_uri_secret_arn"] = mongo_secret.secret_arn
    return {PREFIX + name.upper(): value for name, value in fields.items()}
