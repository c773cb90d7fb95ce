"""Races: cancel against completion (exactly one winner); Idempotency-Key replay, mismatch, simultaneous starts."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from tests.integration.api.conftest import make_ready_sample, make_ready_voice
from voiceclone.domain.errors import InvalidTransition
from voiceclone.domain.jobs import JobStatus


def _race(*actions):
    """Run the actions at the same moment; return what each returned or raised."""
    barrier = threading.Barrier(len(actions))

    def run(action):
        barrier.wait()
        try:
            return action()
        except Exception as exc:  # noqa: BLE001 - the outcome is what we compare
            return exc

    with ThreadPoolExecutor(len(actions)) as pool:
        return list(pool.map(run, actions))


def test_cancel_racing_completion_has_exactly_one_winner(api, store, state_machines):
    voice = make_ready_voice(store, "alice")
    outcomes = {"cancelled": 0, "completed": 0}
    for _ in range(8):
        job_id = api.post("/api/tts/generate", body={"text": "race", "voice_model_id": voice}).json["job_id"]
        store.tts.transition("alice", job_id, JobStatus.PROCESSING)
        cancel, complete = _race(
            lambda job_id=job_id: api.post(f"/api/tts/job/{job_id}/cancel"),
            lambda job_id=job_id: store.tts.transition("alice", job_id, JobStatus.COMPLETED, output_key="k"),
        )
        final = store.tts.get("alice", job_id).status
        if cancel.status == 200:
            assert isinstance(complete, InvalidTransition) and final == JobStatus.CANCELLED
        else:
            assert cancel.status == 409 and cancel.error_code == "invalid_transition"
            assert not isinstance(complete, Exception) and final == JobStatus.COMPLETED
        outcomes[str(final)] += 1
    assert sum(outcomes.values()) == 8


def _start(api, body, key, user="alice"):
    return api.post("/api/training/start", body=body, headers={"Idempotency-Key": key}, user=user)


def test_same_key_same_body_returns_same_job(api, store, state_machines):
    body = {"voice_name": "V", "sample_ids": [make_ready_sample(store, "alice")]}
    first, second = _start(api, body, "key-1"), _start(api, body, "key-1")
    assert first.status == second.status == 202
    assert first.json["job_id"] == second.json["job_id"]
    assert len(api.get("/api/training/jobs").json["items"]) == 1
    assert _start(api, body, "key-2").json["job_id"] != first.json["job_id"]


def test_same_key_other_body_is_422(api, store, state_machines):
    sample = make_ready_sample(store, "alice")
    assert _start(api, {"voice_name": "V", "sample_ids": [sample]}, "k").status == 202
    response = _start(api, {"voice_name": "Other", "sample_ids": [sample]}, "k")
    assert response.status == 422 and response.error_code == "idempotency_key_reused"


def test_key_is_per_user_and_per_operation(api, store, state_machines):
    alice_body = {"voice_name": "V", "sample_ids": [make_ready_sample(store, "alice")]}
    bob_body = {"voice_name": "V", "sample_ids": [make_ready_sample(store, "bob")]}
    alice_job = _start(api, alice_body, "shared").json["job_id"]
    bob_job = _start(api, bob_body, "shared", user="bob").json["job_id"]
    assert alice_job != bob_job
    voice = make_ready_voice(store, "alice")
    tts = api.post("/api/tts/generate", body={"text": "hi", "voice_model_id": voice}, headers={"Idempotency-Key": "shared"})
    assert tts.status == 202 and tts.json["job_id"].startswith("tts_")


def test_simultaneous_starts_with_one_key_make_one_job(api, store, state_machines):
    body = {"voice_name": "V", "sample_ids": [make_ready_sample(store, "alice")]}
    responses = _race(*[lambda: _start(api, body, "together")] * 4)
    assert [r.status for r in responses] == [202] * 4, [r.body for r in responses]
    assert len({r.json["job_id"] for r in responses}) == 1
    assert store.training.collection.count_documents({"user_id": "alice"}) == 1


def test_simultaneous_tts_with_one_key_charge_once(api, store, state_machines):
    voice = make_ready_voice(store, "alice")
    body = {"text": "once only", "voice_model_id": voice}
    responses = _race(
        *[lambda: api.post("/api/tts/generate", body=body, headers={"Idempotency-Key": "tts-key"})] * 3
    )
    assert len({r.json["job_id"] for r in responses}) == 1
    assert api.get("/api/me").json["usage"]["characters"] == len("once only")


def test_failed_attempt_does_not_consume_the_key(api, store, state_machines):
    sample = make_ready_sample(store, "alice", suitable=False)
    body = {"voice_name": "V", "sample_ids": [sample]}
    assert _start(api, body, "retry-me").status == 422
    store.samples.collection.update_one({"_id": sample}, {"$set": {"suitable_for_training": True, "reasons": []}})
    assert _start(api, body, "retry-me").status == 202
