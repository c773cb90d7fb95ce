"""`voiceclone run` over real HTTP: ready, tokens, 401s, docs without auth, data kept across a restart."""

import json
import time

import httpx
import pytest

from tests.integration.local.platform import RunningPlatform


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("local-run")


@pytest.fixture(scope="module")
def platform(data_dir):
    with RunningPlatform(data_dir) as running:
        yield running


@pytest.fixture
def client(platform):
    with httpx.Client(base_url=platform.url, timeout=30) as client:
        yield client


def test_prints_ready_with_the_addresses_and_a_demo_token(platform):
    text = "".join(platform.output)
    assert platform.url.startswith("http://127.0.0.1:")
    assert f"{platform.url}/api/docs" in text
    assert platform.aws_url.startswith("http://127.0.0.1:")
    assert platform.demo_token.count(".") == 2


def test_demo_token_and_cli_token_are_accepted(client, platform):
    for token in (platform.demo_token, platform.token("alice")):
        response = client.get("/api/samples", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "missing_token"),
        ({"Authorization": "Bearer garbage"}, "malformed_token"),
        ({"Authorization": "Basic YWxpY2U6cHc="}, "malformed_token"),
    ],
)
def test_requests_without_a_valid_token_are_401_json(client, headers, code):
    response = client.get("/api/samples", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]["code"] == code


def test_expired_token_is_401(client, platform):
    token = platform.token("alice", ttl=1)
    time.sleep(2.1)
    response = client.get("/api/samples", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_expired"


def test_token_from_another_data_folder_is_401(client, tmp_path):
    from voiceclone.auth import LocalSigningKey
    from voiceclone.config import Settings

    settings = Settings()
    stranger = LocalSigningKey.load_or_create(tmp_path, settings.jwt_issuer, settings.jwt_audience)
    response = client.get("/api/samples", headers={"Authorization": f"Bearer {stranger.issue_token('alice')}"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unknown_signing_key"


def test_jwks_is_served_and_verifies_the_tokens(client, platform):
    import jwt

    jwks = client.get("/.well-known/jwks.json").json()
    key = jwt.PyJWKSet.from_dict(jwks).keys[0]
    claims = jwt.decode(platform.token("carol"), key.key, algorithms=["RS256"], audience="voiceclone")
    assert claims["sub"] == "carol"


def test_openapi_and_swagger_ui_need_no_token(client):
    spec = client.get("/api/openapi.json")
    assert spec.status_code == 200
    assert spec.json()["openapi"].startswith("3.1")
    assert "/api/samples" in spec.json()["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()


def test_unknown_route_is_404_json(client, platform):
    response = client.get("/nope", headers={"Authorization": f"Bearer {platform.demo_token}"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "route_not_found"


def test_ctrl_c_stops_cleanly_and_a_restart_keeps_records_uploads_and_tokens(tmp_path):
    first = RunningPlatform(tmp_path).start()
    token = first.token("dave")
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=first.url, timeout=30) as client:
        created = client.post("/api/samples", headers=headers, json={"name": "take one", "filename": "take.wav"})
        assert created.status_code == 201, created.text
        sample, upload = created.json()["sample"], created.json()["upload"]
        posted = httpx.post(upload["url"], data=upload["fields"], files={"file": ("take.wav", b"RIFF-audio-bytes")})
        assert posted.status_code in (200, 204), posted.text
    assert first.stop() == 0
    assert "stopped" in "".join(first.output)
    with RunningPlatform(tmp_path) as second:
        assert second.demo_token
        with httpx.Client(base_url=second.url, timeout=30) as client:
            # The token minted before the restart still verifies: the signing key was kept.
            listed = client.get("/api/samples", headers=headers)
            assert listed.status_code == 200, listed.text
            assert sample["sample_id"] in json.dumps(listed.json())
        import boto3

        s3 = boto3.client("s3", endpoint_url=second.aws_url, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        from voiceclone.config import Settings

        body = s3.get_object(Bucket=Settings().samples_bucket, Key=upload["fields"]["key"])["Body"].read()
        assert body == b"RIFF-audio-bytes"
