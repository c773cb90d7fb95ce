"""Settings read once from the environment (prefix ``VOICECLONE_``).

Other parts may add fields here; keep one flat model so every Lambda parses its environment once.
Every field is a scalar, so a plain pydantic model reads the variables itself (names matched without
regard to case, as pydantic-settings does; arguments win over the environment): pydantic-settings'
sources (dotenv, CLI, secrets files) are not needed and cost every Lambda's cold start.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

ENV_PREFIX = "VOICECLONE_"


def _from_environment() -> dict[str, str]:
    prefix = ENV_PREFIX.lower()
    return {name.lower()[len(prefix):]: value for name, value in os.environ.items() if name.lower().startswith(prefix)}


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_default=True)

    def __init__(self, **values: Any) -> None:
        super().__init__(**{**_from_environment(), **values})

    # MongoDB
    mongo_uri: str = "mongodb://127.0.0.1:27017"
    # In AWS: the Secrets Manager secret (ARN or name) holding the connection string; wins over mongo_uri.
    mongo_uri_secret_arn: str = ""
    # In AWS: the secret (ARN or name) with remote speech providers' API keys, a JSON object by provider.
    provider_keys_secret_arn: str = ""
    # Remote engines' base URLs (any OpenAI-compatible speech server for openai; fakes in tests).
    elevenlabs_base_url: str = "https://api.elevenlabs.io"
    openai_base_url: str = "https://api.openai.com/v1"
    azure_speech_endpoint: str = ""  # empty: https://{AZURE_SPEECH_REGION}.tts.speech.microsoft.com
    # Availability (engine_status): a probe or a worker's heartbeat older than this no longer counts.
    engine_probe_max_age_s: float = Field(default=3 * 3600, gt=0)
    engine_worker_max_age_s: float = Field(default=120, gt=0)
    db_name: str = "voiceclone"
    mongo_timeout_ms: int = 5000

    # S3 buckets
    samples_bucket: str = "voiceclone-samples"
    models_bucket: str = "voiceclone-models"
    outputs_bucket: str = "voiceclone-outputs"
    upload_max_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    # Audio analysis (analyze-sample / enhance-sample): longest accepted recording, in seconds
    audio_max_duration_s: float = Field(default=30 * 60, gt=0)
    upload_url_expiry_s: int = Field(default=900, gt=0)
    download_url_expiry_s: int = Field(default=3600, gt=0)
    # Public base URL for presigned URLs when clients reach S3 through another host (local runs).
    s3_public_endpoint_url: str | None = None

    # Step Functions and queues (empty = not configured: jobs then fail with a clear message)
    training_state_machine_arn: str = ""
    tts_state_machine_arn: str = ""
    tts_batch_state_machine_arn: str = ""
    train_queue_url: str = ""
    synth_queue_url: str = ""

    # JWT (the API Gateway authorizer in AWS, the local gateway here)
    jwt_issuer: str = "http://127.0.0.1:8000/auth"
    jwt_audience: str = "voiceclone"
    admin_group: str = "admin"

    # Local run (`voiceclone run` / `voiceclone token`): database, saved buckets and the JWT signing key
    local_data_dir: str = ".local"

    # Plan given to a user on first sight
    default_plan: str = "free"

    # Jobs: a job past its deadline is failed by the sweeper
    training_job_deadline_s: int = 6 * 3600
    tts_job_deadline_s: int = 15 * 60
    tts_batch_deadline_s: int = 2 * 3600  # up to 100 items
    # Idempotency records live this long (TTL index)
    idempotency_ttl_s: int = 24 * 3600
    # TTS outputs expire after this many days (S3 lifecycle)
    output_retention_days: int = 7
    # Finished job records (and their scratch objects) are purged by the sweeper after this many days
    job_retention_days: int = Field(default=90, gt=0)
    # An analysis still running after this long died (Lambda timeout/out of memory): the sweeper rejects it.
    sample_analysis_timeout_s: int = Field(default=1800, gt=0)
    # Fine-tuning writes a checkpoint to the models bucket this often (a redelivered job resumes from it)
    training_checkpoint_every_steps: int = Field(default=50, gt=0)

    # GPU workers and the XTTS engine (voiceclone.workers, voiceclone.engines)
    # Base model folder; empty: the worker copies base/xtts_v2/ from the models bucket at start.
    xtts_model_dir: str = ""
    model_cache_dir: str = "/tmp/voiceclone-models"
    xtts_max_new_tokens: int | None = Field(default=None, gt=0)  # cap per text chunk (tiny test models)
    asr_model: str = ""  # local ASR model folder for clips without transcripts; empty: none
    worker_device: str = ""  # "cuda", "cpu"; empty: cuda when available
    worker_heartbeat_s: float = Field(default=20.0, gt=0)
    worker_visibility_timeout_s: int = Field(default=120, gt=0)
    worker_poll_wait_s: int = Field(default=20, ge=0, le=20)
    worker_progress_interval_s: float = Field(default=2.0, ge=0)
    worker_voice_cache_mb: int = Field(default=4096, gt=0)
    # Engine models a worker keeps loaded (workers.model_cache: LRU; GPU: cuda.memory_allocated, CPU: weights)
    worker_model_cache_mb: int = Field(default=16384, gt=0)
    yourtts_model_dir: str = ""  # empty: the worker copies base/yourtts/ from the models bucket
    bark_model_dir: str = ""  # empty: base/bark/ from the models bucket
    bark_max_gen_duration_s: float | None = Field(default=None, gt=0)  # cap per text chunk (tiny test models)
    worker_health_file: str = ""  # touched while the worker lives (container HEALTHCHECK); empty: off


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
