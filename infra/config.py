"""Deployment configuration: CDK context keys with documented defaults (see README.md, "Deploy to AWS").

Set any field with `cdk deploy -c <field>=<value>` or under "context" in cdk.json. Lists accept a
comma-separated string on the command line (`-c gpu_instance_types=g6.xlarge,g5.xlarge`).
"""

from __future__ import annotations

from typing import Any

from aws_cdk import RemovalPolicy
from constructs import Construct
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class InfraConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # Naming: stack names start with this; resources get CDK-generated, collision-free names.
    app_name: str = Field("VoiceClone", pattern=r"^[A-Za-z][A-Za-z0-9]{1,30}$")

    # Storage
    raw_sample_retention_days: int = Field(90, ge=1)
    prepared_clip_retention_days: int = Field(14, ge=1)
    output_retention_days: int = Field(7, ge=1)
    checkpoint_retention_days: int = Field(30, ge=1)
    access_log_retention_days: int = Field(365, ge=1)
    log_retention_days: int = Field(30, ge=1)
    # Buckets, queues and log groups are kept when the stacks are deleted unless this is true.
    destroy_data_on_delete: bool = False

    # Auth: a Cognito user pool unless an existing OIDC issuer and audience are given.
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    admin_group: str = "admin"

    # API
    api_throttle_rate: float = Field(50, gt=0)
    api_throttle_burst: int = Field(100, gt=0)
    cors_allowed_origins: list[str] = ["*"]
    domain_name: str | None = None
    certificate_arn: str | None = None

    # Web console (infra/stacks/web.py): its own domain and a us-east-1 ACM certificate for it, together;
    # without them it is served on CloudFront's *.cloudfront.net name. The Cognito hosted UI's domain
    # prefix (default: "<app_name lowercased>-<account id>", which is unique).
    web_domain_name: str | None = None
    web_certificate_arn: str | None = None
    cognito_domain_prefix: str | None = Field(None, pattern=r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")

    # Plans and job limits (passed to the functions as VOICECLONE_* settings)
    default_plan: str = "free"
    upload_max_bytes: int = Field(50 * 1024 * 1024, gt=0)
    training_job_deadline_s: int = Field(6 * 3600, gt=0)
    # Longer than locally (15 min): a TTS job may wait for a GPU host to start when synth runs from zero.
    tts_job_deadline_s: int = Field(30 * 60, gt=0)

    # Secrets Manager: names the operator fills after the first deploy (README.md, 'Deploy to AWS')
    mongo_secret_name: str = "voiceclone/mongodb-uri"
    provider_keys_secret_name: str = "voiceclone/provider-api-keys"
    db_name: str = "voiceclone"
    # The MongoDB cluster's connection limit and size: Lambda reserved concurrency is sized to stay under
    # it (infra/reserved_concurrency.py). Atlas M10: 1500; M20/M30: 3000; M40: 6000; M0/Flex: 500.
    mongo_max_connections: int = Field(1500, ge=100)
    mongo_replica_set_members: int = Field(3, ge=1, le=50)

    # Workflows
    enhance_max_concurrency: int = Field(4, ge=1, le=40)
    sweeper_interval_minutes: int = Field(5, ge=1)
    train_queue_visibility_s: int = Field(900, ge=30, le=43200)
    synth_queue_visibility_s: int = Field(300, ge=30, le=43200)
    max_receive_count: int = Field(3, ge=1)

    # Compute: GPU hosts and workers
    gpu_instance_types: list[str] = ["g5.xlarge", "g6.xlarge"]
    gpu_max_instances: int = Field(4, ge=1)
    # 0 NAT gateways puts GPU hosts in public subnets (no inbound rules) and saves the NAT's idle cost.
    nat_gateways: int = Field(1, ge=0, le=3)
    max_azs: int = Field(2, ge=1, le=3)
    trainer_max_tasks: int = Field(2, ge=1)
    trainer_jobs_per_task: int = Field(1, ge=1)
    synth_min_tasks: int = Field(0, ge=0)
    synth_max_tasks: int = Field(4, ge=1)
    synth_jobs_per_task: int = Field(5, ge=1)
    trainer_memory_mib: int = Field(14_000, ge=512)
    synth_memory_mib: int = Field(14_000, ge=512)
    scale_in_cooldown_s: int = Field(600, ge=0)
    # How long a job may wait for its first worker heartbeat when the worker scales from zero: the
    # backlog alarm, a GPU host booting, the CUDA image pull and the model copy.
    gpu_cold_start_s: int = Field(1200, ge=60)

    # Real-time speech (WebSocket, streamed /v1/audio/speech) on an ALB in front of the synth workers
    # (docs/decisions/0013-realtime-path.md): built when a regional ACM certificate for its name is given.
    realtime_certificate_arn: str | None = None
    realtime_idle_timeout_s: int = Field(300, ge=1, le=4000)  # a silent WebSocket is closed after this
    realtime_drain_s: int = Field(110, ge=0, le=3600)  # a stopping worker's streams finish (stop timeout 120 s)
    realtime_retry_after_s: int = Field(60, ge=1)  # told to clients while no worker is up
    realtime_waf: bool = True
    realtime_rate_limit_per_5_min: int = Field(2000, ge=10)  # requests per client IP (WAF rate rule)

    # Monitoring
    alarm_email: str | None = None

    # Build: false skips the pip bundling of the zip Lambdas (template tests); deploys keep it on.
    bundle_lambdas: bool = True

    @field_validator("gpu_instance_types", "cors_allowed_origins", mode="before")
    @classmethod
    def _split_comma_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @model_validator(mode="after")
    def _check_pairs(self) -> InfraConfig:
        if (self.jwt_issuer is None) != (self.jwt_audience is None):
            raise ValueError("jwt_issuer and jwt_audience go together: give both or neither")
        if (self.domain_name is None) != (self.certificate_arn is None):
            raise ValueError("domain_name and certificate_arn go together: give both or neither")
        if (self.web_domain_name is None) != (self.web_certificate_arn is None):
            raise ValueError("web_domain_name and web_certificate_arn go together: give both or neither")
        if self.synth_min_tasks > self.synth_max_tasks:
            raise ValueError("synth_min_tasks must not exceed synth_max_tasks")
        if self.synth_min_tasks == 0 and self.tts_job_deadline_s <= self.gpu_cold_start_s:
            raise ValueError(
                "with synth_min_tasks=0 a TTS job may wait gpu_cold_start_s for a GPU host: "
                "tts_job_deadline_s must be longer (or keep a synth worker warm with synth_min_tasks=1)"
            )
        return self

    @property
    def removal_policy(self) -> RemovalPolicy:
        """For stateful resources (buckets, queues, logs, users): kept on stack deletion by default."""
        return RemovalPolicy.DESTROY if self.destroy_data_on_delete else RemovalPolicy.RETAIN

    def cors_origins_with(self, console_origin: str) -> list[str]:
        """The configured browser origins plus the web console's (unless "*" already admits it)."""
        if "*" in self.cors_allowed_origins:
            return ["*"]
        return [*self.cors_allowed_origins, console_origin]

    @property
    def uses_cognito(self) -> bool:
        return self.jwt_issuer is None

    @classmethod
    def from_context(cls, scope: Construct) -> InfraConfig:
        """Read every field from the CDK context; absent keys keep their defaults."""
        values = {}
        for name in cls.model_fields:
            value = scope.node.try_get_context(name)
            if value is not None:
                values[name] = _parse_bool(value) if cls.model_fields[name].annotation is bool else value
        return cls(**values)


def _parse_bool(value: Any) -> Any:
    # `-c bundle_lambdas=false` arrives as the string "false".
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    return value
