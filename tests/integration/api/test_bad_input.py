"""Bad input never gets a 5xx: a set of malformed bodies, params and paths for every endpoint, and the docs."""

from __future__ import annotations

import json

import pytest

from tests.integration.api.conftest import make_ready_voice

BAD_BODIES = [
    "",
    "null",
    "[]",
    "{",
    "\"text\"",
    "12",
    json.dumps({"text": {"nested": True}}),
    json.dumps({"sample_ids": "not-a-list", "voice_name": ["x"]}),
    json.dumps({"voice_model_id": 5, "text": 7}),
    "\x00\x01binary",
    json.dumps({"name": "x" * 10_000}),
]

POSTS = [
    "/api/samples",
    "/api/training/start",
    "/api/training/validate-samples",
    "/api/tts/generate",
]


@pytest.mark.parametrize("path", POSTS)
def test_malformed_bodies_are_4xx_json(api, path):
    for body in BAD_BODIES:
        response = api.post(path, body=body)
        assert 400 <= response.status < 500, (path, body, response.body)
        assert response.json["error"]["code"] and response.json["error"]["message"]


def test_bad_patch_and_ids_and_params(api, store):
    voice = make_ready_voice(store, "alice")
    for body in BAD_BODIES:
        response = api.patch(f"/api/voices/{voice}", body=body)
        assert 400 <= response.status < 500, (body, response.body)
    odd_ids = ["x" * 300, "%00", "..", "smp_' or 1=1", "{\"$ne\": null}"]
    for odd in odd_ids:
        for path in (f"/api/samples/{odd}", f"/api/training/job/{odd}", f"/api/tts/job/{odd}", f"/api/voices/{odd}"):
            response = api.get(path)
            assert response.status == 404, (path, response.body)
    for query in ({"limit": "-1"}, {"limit": "1000"}, {"limit": "1.5"}, {"status": "x"}, {"cursor": "x" * 600}):
        for path in ("/api/samples", "/api/training/jobs", "/api/tts/jobs", "/api/voices"):
            assert api.get(path, query=query).status == 422, (path, query)


def test_wrong_methods_are_4xx(api):
    assert api.call("PUT", "/api/samples").status in (404, 405)
    assert api.call("DELETE", "/api/training/jobs").status in (404, 405)
    assert api.call("GET", "/api/tts/generate").status in (404, 405)


def test_docs_serve_openapi_31_and_swagger_without_auth(api):
    spec = api.get("/api/openapi.json", user=None)
    assert spec.status == 200
    document = spec.json
    assert document["openapi"].startswith("3.1")
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    expected = {
        "/api/samples": {"get", "post"},
        "/api/samples/{sample_id}": {"get", "delete"},
        "/api/training/start": {"post"},
        "/api/training/job/{job_id}": {"get"},
        "/api/training/job/{job_id}/cancel": {"post"},
        "/api/training/jobs": {"get"},
        "/api/training/samples/suitable": {"get"},
        "/api/training/validate-samples": {"post"},
        "/api/training/stats": {"get"},
        "/api/tts/generate": {"post"},
        "/api/tts/job/{job_id}": {"get"},
        "/api/tts/job/{job_id}/cancel": {"post"},
        "/api/tts/job/{job_id}/result": {"get"},
        "/api/tts/job/{job_id}/download": {"get"},
        "/api/tts/jobs": {"get"},
        "/api/tts/models/available": {"get"},
        "/api/tts/models/{model_id}/info": {"get"},
        "/api/voices": {"get"},
        "/api/voices/{voice_id}": {"get", "patch", "delete"},
        "/api/me": {"get"},
        "/api/admin/stats": {"get"},
    }
    for path, methods in expected.items():
        assert set(document["paths"][path]) >= methods, path
    generate = document["paths"]["/api/tts/generate"]["post"]["requestBody"]["content"]["application/json"]
    assert "GenerateRequest" in json.dumps(generate)
    ui = api.get("/api/docs", user=None)
    assert ui.status == 200 and ui.headers["content-type"].startswith("text/html")
    assert "SwaggerUIBundle" in ui.body
