"""Samples endpoints: register + presigned POST upload into moto S3, list with cursor, get, delete."""

from __future__ import annotations

import httpx

from voiceclone.domain.samples import SampleStatus


def _create(api, name="reading", **extra):
    return api.post("/api/samples", body={"name": name, "filename": f"{name}.wav", **extra})


def test_create_sample_returns_record_and_working_presigned_post(api, settings, aws):
    response = _create(api, transcript="Hello there.", language="en")
    assert response.status == 201, response.body
    sample = response.json["sample"]
    assert sample["sample_id"].startswith("smp_")
    assert sample["status"] == "uploading"
    assert "s3_key" not in sample and "user_id" not in sample  # internal keys stay inside
    stored_key = f"raw/alice/{sample['sample_id']}/reading.wav"
    upload = response.json["upload"]
    assert upload["fields"]["Content-Type"] == "audio/wav"
    assert upload["max_bytes"] == 50 * 1024 * 1024
    policy = upload["fields"]["policy"]
    import base64
    import json
    conditions = json.loads(base64.b64decode(policy))["conditions"]
    assert ["content-length-range", 1, settings.upload_max_bytes] in conditions

    posted = httpx.post(upload["url"], data=upload["fields"], files={"file": ("reading.wav", b"RIFF0000WAVE", "audio/wav")})
    assert posted.status_code in (200, 204), posted.text
    stored = aws.client("s3").get_object(Bucket=settings.samples_bucket, Key=stored_key)
    assert stored["Body"].read() == b"RIFF0000WAVE"


def test_content_type_from_extension_and_bad_types(api):
    assert _create(api, name="a", filename="a.flac").json["sample"]["content_type"] == "audio/flac"
    bad = api.post("/api/samples", body={"name": "x", "filename": "x.exe"})
    assert bad.status == 422 and "cannot tell the audio type" in bad.json["error"]["message"]
    bad_type = api.post("/api/samples", body={"name": "x", "content_type": "text/html"})
    assert bad_type.status == 422 and "not accepted" in bad_type.json["error"]["message"]
    for undecodable in ({"filename": "x.m4a"}, {"content_type": "audio/mp4"}, {"content_type": "audio/webm"}):
        refused = api.post("/api/samples", body={"name": "x", **undecodable})
        assert refused.status == 422, undecodable


def test_too_large_declared_size_is_413(api, settings):
    response = _create(api, size_bytes=settings.upload_max_bytes + 1)
    assert response.status == 413
    assert response.json["error"]["code"] == "payload_too_large"


def test_validation_errors_are_422_json(api):
    for body in [{}, {"name": ""}, {"name": "x", "unknown": 1}, {"name": 5}, [1, 2]]:
        response = api.post("/api/samples", body=body)
        assert response.status == 422, (body, response.body)
        assert response.error_code == "validation_error"
        assert response.json["error"]["message"]


def test_list_pages_newest_first_with_cursor(api):
    created = [_create(api, name=f"s{i}").json["sample"]["sample_id"] for i in range(5)]
    first = api.get("/api/samples", query={"limit": "2"}).json
    assert [s["sample_id"] for s in first["items"]] == created[::-1][:2]
    second = api.get("/api/samples", query={"limit": "2", "cursor": first["next_cursor"]}).json
    third = api.get("/api/samples", query={"limit": "2", "cursor": second["next_cursor"]}).json
    seen = [s["sample_id"] for page in (first, second, third) for s in page["items"]]
    assert seen == created[::-1]
    assert third["next_cursor"] is None
    assert api.get("/api/samples", query={"cursor": "garbage!"}).status == 422
    assert api.get("/api/samples", query={"limit": "0"}).status == 422
    assert api.get("/api/samples", query={"limit": "abc"}).status == 422


def test_list_filters_by_status(api, store):
    sample_id = _create(api).json["sample"]["sample_id"]
    _create(api, name="other")
    store.samples.mark_analyzed("alice", sample_id, status=SampleStatus.READY, metadata={"duration_s": 4.2})
    ready = api.get("/api/samples", query={"status": "ready"}).json["items"]
    assert [s["sample_id"] for s in ready] == [sample_id]
    assert api.get("/api/samples", query={"status": "bogus"}).status == 422


def test_get_and_delete_remove_the_object(api, settings, aws):
    created = _create(api).json
    sample_id = created["sample"]["sample_id"]
    key = f"raw/alice/{sample_id}/reading.wav"
    s3 = aws.client("s3")
    s3.put_object(Bucket=settings.samples_bucket, Key=key, Body=b"audio")
    assert api.get(f"/api/samples/{sample_id}").json["name"] == "reading"
    assert api.delete(f"/api/samples/{sample_id}").status == 204
    assert api.get(f"/api/samples/{sample_id}").status == 404
    assert s3.list_objects_v2(Bucket=settings.samples_bucket).get("KeyCount", 0) == 0
    assert api.delete(f"/api/samples/{sample_id}").status == 404


def test_missing_identity_is_401(api):
    response = api.get("/api/samples", user=None)
    assert response.status == 401 and response.error_code == "unauthorized"


def test_unknown_route_is_json_404(api):
    response = api.get("/api/samples/a/b/c")
    assert response.status == 404
    assert response.error_code == "route_not_found"


def test_sample_in_use_by_active_training_cannot_be_deleted(api, store, state_machines):
    from tests.integration.api.conftest import make_ready_sample

    sample_id = make_ready_sample(store, "alice")
    job = api.post("/api/training/start", body={"voice_name": "V", "sample_ids": [sample_id]}).json
    response = api.delete(f"/api/samples/{sample_id}")
    assert response.status == 409 and "training job" in response.json["error"]["message"]
    api.post(f"/api/training/job/{job['job_id']}/cancel")
    assert api.delete(f"/api/samples/{sample_id}").status == 204


def test_base64_encoded_body_as_api_gateway_may_send(settings):
    import base64
    import json

    from functions.api import samples as handler
    from tests.integration.api.conftest import FakeLambdaContext, http_event

    event = http_event("POST", "/api/samples")
    event["body"] = base64.b64encode(json.dumps({"name": "b64", "filename": "b.ogg"}).encode()).decode()
    event["isBase64Encoded"] = True
    result = handler.lambda_handler(event, FakeLambdaContext())
    assert result["statusCode"] == 201
    assert json.loads(result["body"])["sample"]["content_type"] == "audio/ogg"
