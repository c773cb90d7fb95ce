"""The API through `voiceclone run` with a real HTTP client: samples uploaded through the presigned POST
to the local S3, listed, read, deleted; jobs created; another user sees none of it (404)."""

import time

import httpx
import pytest

from tests.integration.local.platform import RunningPlatform
from tests.support.speech import english_utterances


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    with RunningPlatform(tmp_path_factory.mktemp("e2e-gateway")) as running:
        yield running


@pytest.fixture(scope="module")
def alice(platform):
    with httpx.Client(base_url=platform.url, timeout=30,
                      headers={"Authorization": f"Bearer {platform.token('alice')}"}) as client:
        yield client


@pytest.fixture(scope="module")
def bob(platform):
    with httpx.Client(base_url=platform.url, timeout=30,
                      headers={"Authorization": f"Bearer {platform.token('bob')}"}) as client:
        yield client


def upload_speech(client, name="LibriVox reading"):
    utterance = english_utterances()[0]
    created = client.post("/api/samples", json={
        "name": name, "filename": utterance.path.name, "transcript": utterance.transcript, "language": "en"})
    assert created.status_code == 201, created.text
    sample, upload = created.json()["sample"], created.json()["upload"]
    assert sample["status"] == "uploading"
    audio = utterance.path.read_bytes()
    posted = httpx.post(upload["url"], data=upload["fields"], files={"file": (utterance.path.name, audio, "audio/wav")})
    assert posted.status_code in (200, 204), posted.text
    return {**sample, "object_key": upload["fields"]["key"]}, audio  # the API no longer shows the S3 key


def test_sample_lifecycle_through_the_gateway(alice, platform):
    sample, audio = upload_speech(alice)
    sample_id = sample["sample_id"]

    listed = alice.get("/api/samples", params={"limit": 10})
    assert listed.status_code == 200
    assert sample_id in [item["sample_id"] for item in listed.json()["items"]]

    fetched = alice.get(f"/api/samples/{sample_id}")
    assert fetched.status_code == 200
    assert fetched.json()["name"] == "LibriVox reading"

    import boto3

    from voiceclone.config import Settings

    s3 = boto3.client("s3", endpoint_url=platform.aws_url, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    bucket = Settings().samples_bucket
    assert s3.get_object(Bucket=bucket, Key=sample["object_key"])["Body"].read() == audio

    deleted = alice.delete(f"/api/samples/{sample_id}")
    assert deleted.status_code == 204
    assert alice.get(f"/api/samples/{sample_id}").status_code == 404
    assert s3.list_objects_v2(Bucket=bucket, Prefix=sample["object_key"]).get("KeyCount", 0) == 0


def test_upload_reaches_analysis_through_the_s3_notification(alice):
    sample, _ = upload_speech(alice, name="analysed")
    deadline = time.monotonic() + 120
    status = "uploading"
    while time.monotonic() < deadline and status in ("uploading", "analyzing"):
        time.sleep(0.5)
        status = alice.get(f"/api/samples/{sample['sample_id']}").json()["status"]
    assert status in ("ready", "rejected"), f"sample still {status} after the upload notification"


def test_another_users_sample_is_404_and_never_listed(alice, bob):
    sample, _ = upload_speech(alice, name="alice only")
    sample_id = sample["sample_id"]
    assert bob.get(f"/api/samples/{sample_id}").status_code == 404
    assert bob.delete(f"/api/samples/{sample_id}").status_code == 404
    assert sample_id not in [item["sample_id"] for item in bob.get("/api/samples").json()["items"]]
    assert alice.get(f"/api/samples/{sample_id}").status_code == 200


def test_bad_input_is_a_4xx_json_error(alice):
    for response in (
        alice.post("/api/samples", json={"filename": "x.wav"}),
        alice.post("/api/samples", content=b"{not json", headers={"content-type": "application/json"}),
        alice.post("/api/tts/generate", json={"text": "", "voice_model_id": "voice_x"}),
        alice.get("/api/samples", params={"limit": 0}),
    ):
        assert 400 <= response.status_code < 500, response.text
        assert set(response.json()["error"]) == {"code", "message"}


def test_tts_with_someone_elses_or_unknown_voice_is_404(alice):
    response = alice.post("/api/tts/generate", json={"text": "Hello there.", "voice_model_id": "voice_missing"})
    assert response.status_code == 404, response.text
    assert alice.get("/api/tts/job/tts_missing").status_code == 404


def test_account_and_listings_answer_through_the_gateway(alice):
    me = alice.get("/api/me")
    assert me.status_code == 200
    assert me.json()
    for path in ("/api/tts/jobs", "/api/training/jobs", "/api/voices", "/api/tts/models/available"):
        response = alice.get(path)
        assert response.status_code == 200, (path, response.text)


def test_admin_stats_need_the_admin_group(platform, alice):
    assert alice.get("/api/admin/stats").status_code == 403
    admin_token = platform.token("root", "admin")
    response = httpx.get(f"{platform.url}/api/admin/stats", headers={"Authorization": f"Bearer {admin_token}"})
    assert response.status_code == 200, response.text
