"""Settings come from VOICECLONE_* variables, with the documented defaults."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from voiceclone.config import Settings


def test_defaults(monkeypatch):
    for name in ("VOICECLONE_UPLOAD_MAX_BYTES", "VOICECLONE_DOWNLOAD_URL_EXPIRY_S", "VOICECLONE_TTS_STATE_MACHINE_ARN"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.upload_max_bytes == 50 * 1024 * 1024
    assert settings.download_url_expiry_s == 3600
    assert settings.tts_state_machine_arn == ""


def test_environment_overrides_and_validation(monkeypatch):
    monkeypatch.setenv("VOICECLONE_UPLOAD_MAX_BYTES", "1024")
    monkeypatch.setenv("VOICECLONE_SAMPLES_BUCKET", "my-samples")
    settings = Settings()
    assert settings.upload_max_bytes == 1024 and settings.samples_bucket == "my-samples"
    monkeypatch.setenv("VOICECLONE_UPLOAD_MAX_BYTES", "0")
    with pytest.raises(ValidationError):
        Settings()


def test_names_match_without_case_and_arguments_win(monkeypatch):
    monkeypatch.setenv("voiceclone_Db_Name", "from-env")
    monkeypatch.setenv("VOICECLONE_XTTS_MAX_NEW_TOKENS", "40")
    monkeypatch.setenv("VOICECLONE_NOT_A_SETTING", "ignored")
    assert Settings().db_name == "from-env" and Settings().xtts_max_new_tokens == 40
    assert Settings(db_name="given").db_name == "given"
