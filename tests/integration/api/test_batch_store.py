"""The batch repository's per-item transitions on real SecantusDB: exactly one writer ends an item, only
it refunds; nothing completes in a cancelled batch; progress and the recorded zip never go back."""

from __future__ import annotations

import threading

from voiceclone.domain.batch import BatchItem, TtsBatch
from voiceclone.domain.ids import new_id
from voiceclone.domain.jobs import JobStatus
from voiceclone.services.batch import end_item

USER = "alice"


def _batch(store, items: int = 3) -> TtsBatch:
    batch = TtsBatch(
        batch_id=new_id("bat"), user_id=USER, characters=10 * items,
        items=[BatchItem(index=i, text="x" * 10, characters=10, voice_model_id="voice_x", engine="xtts_v2_instant",
                         language="en", output_format="mp3") for i in range(items)],
    )
    store.batches.create(batch)
    store.users.charge_characters(USER, batch.batch_id, batch.characters)
    store.batches.transition(USER, batch.batch_id, JobStatus.PROCESSING)
    return store.batches.get(USER, batch.batch_id)


def test_racing_writers_end_an_item_once_and_refund_it_once(store):
    batch = _batch(store)
    outcomes: list[bool] = []
    barrier = threading.Barrier(6)

    def end(status: JobStatus) -> None:
        barrier.wait()
        outcomes.append(end_item(store, batch, 1, status, f"ended {status}"))

    threads = [threading.Thread(target=end, args=(s,)) for s in [JobStatus.FAILED, JobStatus.CANCELLED] * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count(True) == 1
    assert store.users.usage_this_month(USER).characters == 20  # one item's 10 characters back, once
    item = store.batches.get(USER, batch.batch_id).items[1]
    assert item.status in (JobStatus.FAILED, JobStatus.CANCELLED) and item.error_message == f"ended {item.status}"


def test_nothing_completes_once_the_batch_is_cancelled_and_an_ended_item_does_not_restart(store):
    batch = _batch(store)
    assert store.batches.start_item(USER, batch.batch_id, 0)
    assert not store.batches.start_item(USER, batch.batch_id, 0)  # a redelivered message skips it
    store.batches.transition(USER, batch.batch_id, JobStatus.CANCELLED)
    assert not store.batches.complete_item(USER, batch.batch_id, 0, output_key="batches/a/b/000.mp3")
    assert store.batches.get(USER, batch.batch_id).items[0].status == JobStatus.PROCESSING
    assert end_item(store, batch, 0, JobStatus.CANCELLED, "cancelled by the user")
    assert not store.batches.start_item(USER, batch.batch_id, 0)


def test_progress_follows_the_ended_items_and_the_zip_record_never_goes_back(store):
    batch = _batch(store, items=4)
    assert store.batches.complete_item(USER, batch.batch_id, 2, output_key="batches/a/b/002.mp3", duration_s=1.0)
    end_item(store, batch, 0, JobStatus.FAILED, "refused")
    assert store.batches.get(USER, batch.batch_id).progress == 0.5
    assert store.batches.record_zip(USER, batch.batch_id, "batches/a/b/batch-002.zip", 2) is not None
    assert store.batches.record_zip(USER, batch.batch_id, "batches/a/b/batch-001.zip", 1) is None
    assert store.batches.get(USER, batch.batch_id).zip_key == "batches/a/b/batch-002.zip"
    assert store.batches.find("bob", batch.batch_id) is None  # scoped by user
