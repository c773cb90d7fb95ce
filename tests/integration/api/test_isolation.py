"""User B can neither see, cancel, download, change nor delete anything of user A's: 404, and listings never show it."""

from __future__ import annotations

from tests.integration.api.conftest import make_ready_sample, make_ready_voice
from voiceclone.domain.jobs import JobStatus


def test_another_users_objects_are_404_everywhere(api, store, settings, aws, state_machines):
    sample = api.post("/api/samples", body={"name": "a", "filename": "a.wav"}).json["sample"]["sample_id"]
    ready = make_ready_sample(store, "alice")
    voice = make_ready_voice(store, "alice")
    training = api.post(
        "/api/training/start", body={"voice_name": "v", "sample_ids": [ready]}
    ).json["job_id"]
    tts = api.post("/api/tts/generate", body={"text": "hi", "voice_model_id": voice}).json["job_id"]
    key = f"tts/alice/{tts}.mp3"
    aws.client("s3").put_object(Bucket=settings.outputs_bucket, Key=key, Body=b"x")
    store.tts.transition("alice", tts, JobStatus.PROCESSING)
    store.tts.transition("alice", tts, JobStatus.COMPLETED, output_key=key)

    attempts = [
        ("GET", f"/api/samples/{sample}", None),
        ("DELETE", f"/api/samples/{sample}", None),
        ("GET", f"/api/training/job/{training}", None),
        ("POST", f"/api/training/job/{training}/cancel", None),
        ("GET", f"/api/tts/job/{tts}", None),
        ("POST", f"/api/tts/job/{tts}/cancel", None),
        ("GET", f"/api/tts/job/{tts}/result", None),
        ("GET", f"/api/tts/job/{tts}/download", None),
        ("GET", f"/api/voices/{voice}", None),
        ("PATCH", f"/api/voices/{voice}", {"visibility": "public"}),
        ("DELETE", f"/api/voices/{voice}", None),
        ("GET", f"/api/tts/models/{voice}/info", None),
        ("POST", "/api/tts/generate", {"text": "hi", "voice_model_id": voice}),
    ]
    for method, path, body in attempts:
        response = api.call(method, path, user="bob", body=body)
        assert response.status == 404, (method, path, response.body)
        assert response.error_code == "not_found"

    training_by_bob = api.post("/api/training/start", user="bob", body={"voice_name": "v", "sample_ids": [ready]})
    assert training_by_bob.status == 422 and "not found" in training_by_bob.json["error"]["message"]

    for path in ["/api/samples", "/api/training/jobs", "/api/tts/jobs", "/api/voices", "/api/training/samples/suitable"]:
        assert api.get(path, user="bob").json["items"] == [], path
    assert api.get("/api/tts/models/available", user="bob").json["voices"] == []
    assert api.get("/api/me", user="bob").json["usage"]["characters"] == 0

    # Nothing of alice's changed.
    assert api.get(f"/api/samples/{sample}").status == 200
    assert api.get(f"/api/training/job/{training}").json["status"] == "pending"
    assert api.get(f"/api/voices/{voice}").json["visibility"] == "private"
    assert api.get(f"/api/tts/job/{tts}/download").status == 302
