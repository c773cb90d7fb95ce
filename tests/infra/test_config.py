"""Deployment configuration read from CDK context."""

from __future__ import annotations

import pytest
from aws_cdk import App
from pydantic import ValidationError

from infra.config import InfraConfig


def _config(**context: object) -> InfraConfig:
    return InfraConfig.from_context(App(context=context))


def test_defaults_keep_gpus_at_zero_and_data_on_delete() -> None:
    config = _config()
    assert config.synth_min_tasks == 0
    assert config.gpu_instance_types == ["g5.xlarge", "g6.xlarge"]
    assert config.destroy_data_on_delete is False
    assert config.uses_cognito


def test_a_warm_synth_worker_allows_short_tts_deadlines() -> None:
    assert _config(tts_job_deadline_s=600, synth_min_tasks=1).tts_job_deadline_s == 600


def test_command_line_strings_are_parsed() -> None:
    config = _config(gpu_instance_types="g6.xlarge, g6.2xlarge", synth_min_tasks="1", bundle_lambdas="false")
    assert config.gpu_instance_types == ["g6.xlarge", "g6.2xlarge"]
    assert config.synth_min_tasks == 1
    assert config.bundle_lambdas is False


def test_existing_issuer_replaces_cognito() -> None:
    config = _config(jwt_issuer="https://issuer.example.com/", jwt_audience="voiceclone")
    assert not config.uses_cognito


@pytest.mark.parametrize(
    "context",
    [
        {"jwt_issuer": "https://issuer.example.com/"},
        {"domain_name": "api.example.com"},
        {"synth_min_tasks": 5, "synth_max_tasks": 2},
        {"output_retention_days": 0},
        {"gpu_max_instances": "many"},
        {"tts_job_deadline_s": 600},  # shorter than a cold GPU start while synth runs from zero
    ],
)
def test_inconsistent_settings_are_refused(context: dict) -> None:
    with pytest.raises(ValidationError):
        _config(**context)
