"""TTS endpoints: generate (voices allowed, quotas, pricing), read, list, cancel, result, download, models."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.api.conftest import make_ready_voice
from voiceclone.domain.jobs import JobStatus


def _seed_body(voice_id, text="Hello from my cloned voice."):
    return {
        "text": text,
        "voice_model_id": voice_id,
        "output_format": "mp3",
        "voice_settings": {"stability": 0.75, "similarity_boost": 0.8, "style": 0.2},
    }


@pytest.fixture
def voice(store):
    return make_ready_voice(store, "alice")


def test_generate_records_pending_job_with_estimate_and_charges(api, store, voice, state_machines, aws):
    response = api.post("/api/tts/generate", body=_seed_body(voice))
    assert response.status == 202, response.body
    job = response.json
    assert job["job_id"].startswith("tts_") and job["status"] == "pending"
    assert job["voice_settings"] == {"stability": 0.75, "similarity_boost": 0.8, "style": 0.2, "speed": 1.0}
    assert job["characters"] == len("Hello from my cloned voice.")
    assert job["estimated_cost_usd"] > 0 and job["estimated_duration_s"] > 0
    assert job["engine"] == "xtts_v2"
    assert "execution_arn" not in job and "output_key" not in job
    stored = store.tts.get("alice", job["job_id"])
    execution = aws.client("stepfunctions").describe_execution(executionArn=stored.execution_arn)
    assert execution["name"] == job["job_id"]
    usage = api.get("/api/me").json["usage"]
    assert usage["characters"] == job["characters"] and usage["tts_jobs"] == 1


def test_start_failure_fails_job_and_refunds(api, voice, settings):
    job = api.post("/api/tts/generate", body=_seed_body(voice)).json
    assert job["status"] == "failed" and "not configured" in job["error_message"]
    assert api.get("/api/me").json["usage"]["characters"] == 0


def test_public_voice_of_another_user_is_usable_private_is_404(api, store, state_machines):
    public = make_ready_voice(store, "bob", public=True)
    private = make_ready_voice(store, "bob")
    assert api.post("/api/tts/generate", body=_seed_body(public)).status == 202
    response = api.post("/api/tts/generate", body=_seed_body(private))
    assert response.status == 404 and response.error_code == "not_found"


def test_voice_not_ready_is_409(api, store, state_machines):
    from voiceclone.domain.voices import VoiceModel

    store.voices.create(VoiceModel(voice_id="voice_training1", user_id="alice", name="t"))
    response = api.post("/api/tts/generate", body=_seed_body("voice_training1"))
    assert response.status == 409 and "training" in response.json["error"]["message"]


def test_text_length_limit_is_403(api, voice):
    response = api.post("/api/tts/generate", body=_seed_body(voice, text="a" * 1001))
    assert response.status == 403 and "max_text_length" in response.json["error"]["message"]


def test_monthly_characters_quota_is_429(api, store, voice, state_machines):
    store.users.get_or_create("alice")
    store.users.charge_characters("alice", "tts_earlier", 9_500)
    response = api.post("/api/tts/generate", body=_seed_body(voice, text="b" * 600))
    assert response.status == 429 and "monthly_characters" in response.json["error"]["message"]
    assert api.post("/api/tts/generate", body=_seed_body(voice, text="b" * 500)).status == 202


def test_concurrent_jobs_quota_is_429(api, voice, state_machines):
    for _ in range(2):
        assert api.post("/api/tts/generate", body=_seed_body(voice)).status == 202
    response = api.post("/api/tts/generate", body=_seed_body(voice))
    assert response.status == 429 and "concurrent_jobs" in response.json["error"]["message"]


@pytest.mark.parametrize(
    "change",
    [
        {"text": ""},
        {"text": "   "},
        {"output_format": "aac"},
        {"voice_settings": {"stability": 2}},
        {"voice_settings": {"speed": 0.1}},
        {"voice_settings": {"tone": 1}},
        {"voice_model_id": None},
        {"extra": True},
        {"language": "xx"},
    ],
)
def test_bad_bodies_are_422(api, voice, change):
    response = api.post("/api/tts/generate", body={**_seed_body(voice), **change})
    assert response.status == 422, response.body
    assert response.error_code == "validation_error"


def test_language_is_checked_and_normalised(api, voice, state_machines):
    refused = api.post("/api/tts/generate", body={**_seed_body(voice), "language": "klingon"})
    assert refused.status == 422 and "'klingon' is not supported" in refused.json["error"]["message"]
    accepted = api.post("/api/tts/generate", body={**_seed_body(voice), "language": "ZH-CN"})
    assert accepted.status == 202 and accepted.json["language"] == "zh-cn"


def test_cancel_refunds_and_second_cancel_is_409(api, voice, state_machines):
    job = api.post("/api/tts/generate", body=_seed_body(voice)).json
    cancelled = api.post(f"/api/tts/job/{job['job_id']}/cancel")
    assert cancelled.status == 200 and cancelled.json["status"] == "cancelled"
    assert api.get("/api/me").json["usage"]["characters"] == 0
    assert api.post(f"/api/tts/job/{job['job_id']}/cancel").status == 409


def _complete_with_output(store, settings, aws, job_id, data=b"ID3fake-mp3-bytes"):
    key = f"tts/alice/{job_id}.mp3"
    aws.client("s3").put_object(Bucket=settings.outputs_bucket, Key=key, Body=data)
    store.tts.transition("alice", job_id, JobStatus.PROCESSING)
    store.tts.transition("alice", job_id, JobStatus.COMPLETED, output_key=key, actual_duration_s=1.8, quality_score=0.9)
    return key


def test_result_and_download_redirect_to_the_file(api, store, settings, aws, voice, state_machines):
    job_id = api.post("/api/tts/generate", body=_seed_body(voice)).json["job_id"]
    assert api.get(f"/api/tts/job/{job_id}/result").status == 409
    assert api.get(f"/api/tts/job/{job_id}/download").status == 409
    _complete_with_output(store, settings, aws, job_id)
    result = api.get(f"/api/tts/job/{job_id}/result").json
    assert result["status"] == "completed" and result["duration_s"] == 1.8 and result["quality_score"] == 0.9
    assert httpx.get(result["download_url"]).content == b"ID3fake-mp3-bytes"
    download = api.get(f"/api/tts/job/{job_id}/download")
    assert download.status == 302
    fetched = httpx.get(download.headers["location"])
    assert fetched.status_code == 200 and fetched.content == b"ID3fake-mp3-bytes"


def test_download_of_expired_output_is_410(api, store, settings, aws, voice, state_machines):
    job_id = api.post("/api/tts/generate", body=_seed_body(voice)).json["job_id"]
    key = _complete_with_output(store, settings, aws, job_id)
    aws.client("s3").delete_object(Bucket=settings.outputs_bucket, Key=key)
    response = api.get(f"/api/tts/job/{job_id}/download")
    assert response.status == 410 and response.error_code == "gone"
    assert api.get(f"/api/tts/job/{job_id}").json["output_expired"] is True
    assert api.get(f"/api/tts/job/{job_id}/result").status == 410


def test_list_jobs_newest_first(api, voice, settings):
    ids = [api.post("/api/tts/generate", body=_seed_body(voice)).json["job_id"] for _ in range(3)]
    page = api.get("/api/tts/jobs", query={"limit": "2"}).json
    rest = api.get("/api/tts/jobs", query={"cursor": page["next_cursor"]}).json
    assert [j["job_id"] for j in page["items"] + rest["items"]] == ids[::-1]


def test_available_models_and_info(api, store):
    own = make_ready_voice(store, "alice", name="Mine")
    public = make_ready_voice(store, "bob", name="Shared", public=True)
    private = make_ready_voice(store, "bob", name="Hidden")
    available = api.get("/api/tts/models/available").json
    names = {v["voice_id"]: v for v in available["voices"]}
    assert set(names) == {own, public}
    assert names[own]["owned"] is True and names[public]["owned"] is False
    assert {e["model_type"] for e in available["engines"]} >= {"xtts_v2", "xtts_v2_instant"}
    info = api.get(f"/api/tts/models/{public}/info").json
    assert info["voice"]["name"] == "Shared" and info["engine"]["model_type"] == "xtts_v2"
    assert info["price"] == info["engine"]["price"]
    assert api.get(f"/api/tts/models/{private}/info").status == 404
