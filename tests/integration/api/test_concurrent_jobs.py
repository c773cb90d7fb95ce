"""The plan's concurrent_jobs limit holds when many starts arrive at the same instant (real SecantusDB)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from tests.integration.api.conftest import make_ready_sample, make_ready_voice
from tests.integration.api.test_concurrency import _race
from voiceclone.domain import users as plans
from voiceclone.domain.errors import QuotaExceeded
from voiceclone.domain.ids import TRAINING_JOB_PREFIX, new_id
from voiceclone.domain.timeutil import utcnow
from voiceclone.domain.training import TrainingJob
from voiceclone.domain.users import PlanLimits
from voiceclone.services import quotas

SLOTS = 3
RIVALS = 8
TEXT = "one slot each"


@pytest.fixture
def racing_user(store, monkeypatch):
    """alice on a plan with SLOTS concurrent jobs and room for every other limit."""
    limits = PlanLimits(max_voices=100, monthly_characters=100_000, concurrent_jobs=SLOTS, max_text_length=1_000)
    monkeypatch.setitem(plans.PLANS, "race", limits)
    store.users.set_plan("alice", "race")
    return "alice"


def _train(api, store):
    body = {"voice_name": "V", "sample_ids": [make_ready_sample(store, "alice")]}
    return lambda: api.post("/api/training/start", body=body)


def _speak(api, voice):
    return lambda: api.post("/api/tts/generate", body={"text": TEXT, "voice_model_id": voice})


def _split(responses):
    accepted = [r for r in responses if r.status == 202]
    refused = [r for r in responses if r.status != 202]
    for r in refused:
        assert r.status == 429 and r.error_code == "quota_exceeded", r.body
        assert "'concurrent_jobs'" in r.json["error"]["message"]
    return accepted, refused


def test_simultaneous_training_starts_admit_exactly_the_limit(api, store, state_machines, racing_user):
    accepted, refused = _split(_race(*[_train(api, store) for _ in range(RIVALS)]))
    assert len(accepted) == SLOTS and len(refused) == RIVALS - SLOTS
    jobs = {r.json["job_id"] for r in accepted}
    assert {d["_id"] for d in store.training.collection.find({"user_id": "alice"})} == jobs
    voices = list(store.voices.collection.find({"user_id": "alice"}))
    assert {v["training_job_id"] for v in voices} == jobs  # losers left no voice record behind
    assert store.users.get("alice").totals.training_jobs == SLOTS


def test_simultaneous_tts_requests_charge_only_the_admitted(api, store, state_machines, racing_user):
    voice = make_ready_voice(store, "alice")
    accepted, refused = _split(_race(*[_speak(api, voice) for _ in range(RIVALS)]))
    assert len(accepted) == SLOTS and len(refused) == RIVALS - SLOTS
    assert {d["_id"] for d in store.tts.collection.find({"user_id": "alice"})} == {r.json["job_id"] for r in accepted}
    usage = api.get("/api/me").json["usage"]
    assert usage["characters"] == SLOTS * len(TEXT)
    assert store.users.usage_this_month("alice").tts_jobs == SLOTS


def test_training_and_tts_share_the_limit(api, store, state_machines, racing_user):
    voice = make_ready_voice(store, "alice")
    actions = [_train(api, store) for _ in range(RIVALS // 2)] + [_speak(api, voice) for _ in range(RIVALS // 2)]
    accepted, _ = _split(_race(*actions))
    assert len(accepted) == SLOTS
    active = store.training.count_active("alice") + store.tts.count_active("alice")
    assert active == SLOTS
    trained = {r.json["job_id"] for r in accepted if r.json["job_id"].startswith("trn_")}
    assert {v["training_job_id"] for v in store.voices.collection.find({"user_id": "alice", "status": "training"})} == trained
    assert api.get("/api/me").json["usage"]["characters"] == (len(accepted) - len(trained)) * len(TEXT)


def test_jobs_started_before_admission_existed_hold_their_slot(api, store, state_machines, racing_user):
    store.training.create(_pending_training_job())  # an active record without an admission ticket
    accepted, _ = _split(_race(*[_train(api, store) for _ in range(RIVALS)]))
    assert len(accepted) == SLOTS - 1


def test_a_rival_still_taking_its_ticket_is_waited_for(store, racing_user):
    one_slot = PlanLimits(max_voices=100, monthly_characters=100_000, concurrent_jobs=1, max_text_length=1_000)
    # Both will hold ticket 1; the rival's earlier id puts it first.
    rival = store.training.create(_pending_training_job(job_id="trn_000000000001rival"), admitting=True)
    mine = store.training.create(_pending_training_job(job_id="trn_000000000002mine"), admitting=True)

    def rival_takes_ticket():
        time.sleep(0.2)
        store.training.set_ticket("alice", rival.job_id, 1)

    thread = threading.Thread(target=rival_takes_ticket)
    thread.start()
    with pytest.raises(QuotaExceeded) as refused:
        quotas.admit_job(store, store.training, "alice", mine.job_id, one_slot)
    thread.join()
    assert refused.value.limit == "concurrent_jobs"
    assert store.training.discard("alice", mine.job_id)  # as start_training does with a loser
    quotas.admit_job(store, store.training, "alice", rival.job_id, one_slot)


def test_a_rival_that_never_took_a_ticket_counts_once_its_wait_is_over(store, racing_user):
    one_slot = PlanLimits(max_voices=100, monthly_characters=100_000, concurrent_jobs=1, max_text_length=1_000)
    stale = _pending_training_job(created_at=utcnow() - timedelta(seconds=2 * quotas.TICKET_WAIT_S))
    store.training.create(stale, admitting=True)  # e.g. its request crashed between insert and ticket
    mine = store.training.create(_pending_training_job(), admitting=True)
    with pytest.raises(QuotaExceeded):
        quotas.admit_job(store, store.training, "alice", mine.job_id, one_slot)


def test_admission_queries_use_the_user_status_index(store):
    for repository in (store.training, store.tts):
        plan = repository.collection.find({"user_id": "alice", "status": {"$in": ["pending", "processing"]}}).explain()
        assert "user_status" in str(plan), plan


def _pending_training_job(**fields) -> TrainingJob:
    defaults = {"job_id": new_id(TRAINING_JOB_PREFIX), "voice_name": "V", "sample_ids": ["smp_x"], "voice_id": "voice_x"}
    return TrainingJob(user_id="alice", deadline_at=utcnow() + timedelta(hours=1), **{**defaults, **fields})
