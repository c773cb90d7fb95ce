"""Training endpoints: start (permissions, quotas, workflow start), read, list, cancel, samples checks, stats."""

from __future__ import annotations

from tests.integration.api.conftest import make_ready_sample, make_ready_voice
from voiceclone.domain.jobs import JobStatus


def _seed_body(sample_ids, **config):
    return {
        "voice_name": "My Voice",
        "sample_ids": sample_ids,
        "training_config": {"model_type": "xtts_v2", "epochs": 100, "quality_target": "high", **config},
    }


def test_start_records_pending_job_and_starts_execution_named_after_it(api, store, state_machines, aws):
    samples = [make_ready_sample(store, "alice"), make_ready_sample(store, "alice")]
    response = api.post("/api/training/start", body=_seed_body(samples))
    assert response.status == 202, response.body
    job = response.json
    assert job["job_id"].startswith("trn_") and job["status"] == "pending"
    assert job["config"] == {
        "model_type": "xtts_v2", "epochs": 100, "batch_size": 4, "learning_rate": 5e-6, "quality_target": "high"
    }
    assert "execution_arn" not in job and "deadline_at" not in job  # bookkeeping stays inside
    stored = store.training.get("alice", job["job_id"])
    execution = aws.client("stepfunctions").describe_execution(executionArn=stored.execution_arn)
    assert execution["name"] == job["job_id"]
    assert execution["stateMachineArn"] == state_machines["training"]
    voice = api.get(f"/api/voices/{job['voice_id']}").json
    assert voice["status"] == "training" and voice["name"] == "My Voice"
    assert api.get(f"/api/training/job/{job['job_id']}").json["status"] == "pending"


def test_start_without_state_machine_fails_job_with_message(api, store, settings):
    sample = make_ready_sample(store, "alice")
    job = api.post("/api/training/start", body=_seed_body([sample])).json
    assert job["status"] == "failed"
    assert "not configured" in job["error_message"]
    assert api.get(f"/api/voices/{job['voice_id']}").json["status"] == "failed"


def test_instant_model_type_is_accepted(api, store, state_machines):
    sample = make_ready_sample(store, "alice")
    response = api.post("/api/training/start", body=_seed_body([sample], model_type="xtts_v2_instant"))
    assert response.status == 202
    assert response.json["config"]["model_type"] == "xtts_v2_instant"


def test_only_own_ready_suitable_samples(api, store, state_machines):
    own = make_ready_sample(store, "alice")
    unsuitable = make_ready_sample(store, "alice", suitable=False)
    foreign = make_ready_sample(store, "bob")
    uploading = api.post("/api/samples", body={"name": "x", "filename": "x.wav"}).json["sample"]["sample_id"]
    response = api.post("/api/training/start", body=_seed_body([own, unsuitable, foreign, uploading]))
    assert response.status == 422 and response.error_code == "samples_not_usable"
    message = response.json["error"]["message"]
    assert f"{foreign}: not found" in message
    assert f"{unsuitable}: too noisy" in message
    assert f"{uploading}: status is uploading" in message
    assert own not in message
    assert api.get("/api/training/jobs").json["items"] == []


def test_bad_bodies_are_422(api, store):
    sample = make_ready_sample(store, "alice")
    bad_bodies = [
        {},
        {"voice_name": "v", "sample_ids": []},
        {"voice_name": "v", "sample_ids": [sample, sample]},
        _seed_body([sample], model_type="tacotron"),
        _seed_body([sample], epochs=0),
        _seed_body([sample], quality_target="ultra"),
        _seed_body([sample], unknown=1),
        {"voice_name": "", "sample_ids": [sample]},
        {"voice_name": "v", "sample_ids": [sample], "language": "xx"},
    ]
    for body in bad_bodies:
        response = api.post("/api/training/start", body=body)
        assert response.status == 422, (body, response.body)
        assert response.error_code == "validation_error"


def test_voice_limit_is_403_naming_it(api, store, state_machines):
    for i in range(3):  # free plan: 3 voices
        make_ready_voice(store, "alice", name=f"v{i}")
    response = api.post("/api/training/start", body=_seed_body([make_ready_sample(store, "alice")]))
    assert response.status == 403 and response.error_code == "limit_exceeded"
    assert "max_voices" in response.json["error"]["message"]


def test_concurrent_jobs_limit_is_429(api, store, state_machines):
    sample = make_ready_sample(store, "alice")
    for _ in range(2):  # free plan: 2 concurrent jobs
        assert api.post("/api/training/start", body=_seed_body([sample])).status == 202
    response = api.post("/api/training/start", body=_seed_body([sample]))
    assert response.status == 429 and "concurrent_jobs" in response.json["error"]["message"]


def test_cancel_pending_job_then_again_is_409(api, store, state_machines):
    job = api.post("/api/training/start", body=_seed_body([make_ready_sample(store, "alice")])).json
    cancelled = api.post(f"/api/training/job/{job['job_id']}/cancel")
    assert cancelled.status == 200 and cancelled.json["status"] == "cancelled"
    assert api.get(f"/api/voices/{job['voice_id']}").json["status"] == "failed"
    again = api.post(f"/api/training/job/{job['job_id']}/cancel")
    assert again.status == 409 and again.error_code == "invalid_transition"


def test_cancel_completed_job_is_409(api, store, state_machines):
    job = api.post("/api/training/start", body=_seed_body([make_ready_sample(store, "alice")])).json
    store.training.transition("alice", job["job_id"], JobStatus.PROCESSING)
    store.training.transition("alice", job["job_id"], JobStatus.COMPLETED, result_model_id=job["voice_id"])
    assert api.post(f"/api/training/job/{job['job_id']}/cancel").status == 409
    assert api.get(f"/api/training/job/{job['job_id']}").json["progress"] == 1.0


def test_list_jobs_pages_and_filters(api, store, settings):
    sample = make_ready_sample(store, "alice")
    ids = [api.post("/api/training/start", body=_seed_body([sample])).json["job_id"] for _ in range(3)]
    first = api.get("/api/training/jobs", query={"limit": "2"}).json
    second = api.get("/api/training/jobs", query={"limit": "2", "cursor": first["next_cursor"]}).json
    assert [j["job_id"] for j in first["items"] + second["items"]] == ids[::-1]
    failed = api.get("/api/training/jobs", query={"status": "failed"}).json["items"]
    assert len(failed) == 3  # no state machine configured here
    assert api.get("/api/training/jobs", query={"status": "pending"}).json["items"] == []


def test_suitable_and_validate_samples(api, store):
    good = make_ready_sample(store, "alice", duration_s=30.0)
    bad = make_ready_sample(store, "alice", suitable=False)
    suitable = api.get("/api/training/samples/suitable").json
    assert [s["sample_id"] for s in suitable["items"]] == [good]
    assert suitable["total_duration_s"] == 30.0
    report = api.post("/api/training/validate-samples", body={"sample_ids": [good, bad, "smp_missing"]}).json
    assert report["valid"] is False
    assert [s["usable"] for s in report["samples"]] == [True, False, False]
    assert report["total_duration_s"] == 30.0 and report["warnings"]  # 30 s < 120 s recommended
    instant = api.post(
        "/api/training/validate-samples", body={"sample_ids": [good], "model_type": "xtts_v2_instant"}
    ).json
    assert instant["valid"] is True and instant["warnings"] == []
    assert api.post("/api/training/validate-samples", body={"sample_ids": []}).status == 422


def test_stats_user_and_platform_for_admins_only(api, store, settings):
    sample = make_ready_sample(store, "alice")
    api.post("/api/training/start", body=_seed_body([sample]))
    mine = api.get("/api/training/stats").json
    assert mine["scope"] == "user" and mine["total"] == 1 and mine["jobs"]["failed"] == 1
    assert mine["suitable_samples"] == 1
    denied = api.get("/api/training/stats", query={"scope": "platform"})
    assert denied.status == 403 and denied.error_code == "forbidden"
    platform = api.get("/api/training/stats", query={"scope": "platform"}, user="root", groups=["admin"])
    assert platform.status == 200 and platform.json["total"] == 1
    assert api.get("/api/training/stats", query={"scope": "everything"}).status == 422
