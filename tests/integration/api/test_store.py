"""Store behaviours other parts rely on, against SecantusDB: transitions, progress, charges, samples, idempotency records."""

from __future__ import annotations

import time

import pytest
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyItemAlreadyExistsError
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

from tests.integration.api.conftest import make_ready_sample
from voiceclone.domain.errors import InvalidTransition, NotFound, QuotaExceeded
from voiceclone.domain.jobs import JobStatus
from voiceclone.domain.samples import SampleStatus
from voiceclone.domain.training import TrainingJob
from voiceclone.store.idempotency import MongoPersistenceLayer


def _job(store, user="alice"):
    from voiceclone.domain.ids import new_id

    return store.training.create(TrainingJob(job_id=new_id("trn"), user_id=user, voice_name="v", sample_ids=["s"]))


def test_transition_sets_timestamps_and_fields_and_is_scoped(store):
    job = _job(store)
    running = store.training.transition("alice", job.job_id, JobStatus.PROCESSING, stage="enhance")
    assert running.started_at is not None and running.stage == "enhance"
    with pytest.raises(NotFound):
        store.training.transition("bob", job.job_id, JobStatus.CANCELLED)
    done = store.training.transition("alice", job.job_id, JobStatus.COMPLETED, result_model_id="voice_1")
    assert done.completed_at is not None and done.progress == 1.0 and done.result_model_id == "voice_1"
    with pytest.raises(InvalidTransition):
        store.training.transition("alice", job.job_id, JobStatus.FAILED, error_message="late")


def test_update_progress_writes_only_moves_of_active_jobs(store):
    job = _job(store)
    store.training.transition("alice", job.job_id, JobStatus.PROCESSING)
    assert store.training.update_progress("alice", job.job_id, 0.2, "train")
    assert not store.training.update_progress("alice", job.job_id, 0.205, "train")  # below the step
    assert store.training.update_progress("alice", job.job_id, 0.205, "export")  # stage changed
    assert not store.training.update_progress("bob", job.job_id, 0.9)
    store.training.transition("alice", job.job_id, JobStatus.CANCELLED)
    assert not store.training.update_progress("alice", job.job_id, 0.9)
    assert store.training.get("alice", job.job_id).progress == pytest.approx(0.205)


def test_charge_is_once_per_job_and_respects_limit(store):
    assert store.users.charge_characters("alice", "tts_a", 700, monthly_limit=1000)
    assert not store.users.charge_characters("alice", "tts_a", 700, monthly_limit=1000)  # retried
    with pytest.raises(QuotaExceeded):
        store.users.charge_characters("alice", "tts_b", 301, monthly_limit=1000)
    assert store.users.charge_characters("alice", "tts_c", 300, monthly_limit=1000)
    assert store.users.usage_this_month("alice").characters == 1000
    assert store.users.refund_characters("alice", "tts_a", 700)
    assert not store.users.refund_characters("alice", "tts_a", 700)
    assert store.users.usage_this_month("alice").characters == 300


def test_sample_analysis_transitions(store):
    sample_id = make_ready_sample(store, "alice", duration_s=7.5)
    sample = store.samples.get("alice", sample_id)
    assert sample.status == SampleStatus.READY and sample.duration_s == 7.5 and sample.quality.snr_db == 30.0
    with pytest.raises(InvalidTransition):
        store.samples.mark_analyzing("alice", sample_id)
    with pytest.raises(NotFound):
        store.samples.mark_analyzed("bob", sample_id, status="rejected")


def test_indexes_exist_for_listings_sweeps_and_ttl(store):
    training = store.database["training_jobs"].index_information()
    assert {"user_newest", "user_status", "status_deadline"} <= set(training)
    ttl = store.database["idempotency"].index_information()["ttl"]
    assert ttl["expireAfterSeconds"] == 0


def _record(key, status="INPROGRESS", expiry=None, in_progress=None, payload="h"):
    return DataRecord(
        idempotency_key=key,
        status=status,
        expiry_timestamp=expiry or int(time.time()) + 3600,
        in_progress_expiry_timestamp=in_progress,
        payload_hash=payload,
    )


def test_idempotency_layer_insert_conflict_and_takeover(store):
    layer = MongoPersistenceLayer.for_database(store.database)
    future_ms = int(time.time() * 1000) + 60_000
    layer._put_record(_record("k1", in_progress=future_ms))
    with pytest.raises(IdempotencyItemAlreadyExistsError) as raised:
        layer._put_record(_record("k1", in_progress=future_ms))
    assert raised.value.old_data_record.status == "INPROGRESS"
    # An in-progress record past its Lambda's deadline is an orphan: the next caller takes it over.
    layer._put_record(_record("k2", in_progress=int(time.time() * 1000) - 1))
    layer._put_record(_record("k2", in_progress=future_ms))
    assert layer._get_record("k2").in_progress_expiry_timestamp == future_ms
    # An expired record is replaced too.
    layer._put_record(_record("k3", status="COMPLETED", expiry=int(time.time()) - 5))
    layer._put_record(_record("k3", in_progress=future_ms))
    assert layer._get_record("k3").status == "INPROGRESS"
