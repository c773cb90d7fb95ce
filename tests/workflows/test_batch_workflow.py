"""The batch TTS state machine run by moto's interpreter: the real batch Lambdas, the real synth worker
(single jobs and batch groups on one queue) on the tiny XTTS, SecantusDB, S3 and SQS. Batches are
created as the API creates them (services.batch)."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from datetime import timedelta

import pytest
import soundfile

from voiceclone.domain.batch import refund_part_id
from voiceclone.domain.errors import NotFound, QuotaExceeded
from voiceclone.domain.jobs import JobStatus
from voiceclone.domain.timeutil import utcnow
from voiceclone.services import account as account_service
from voiceclone.services import batch as batch_service
from voiceclone.workflows import sweeper

from .conftest import QUEUE_VISIBILITY_S, eventually
from .records import month_characters, ready_voice
from .test_remote_tts_workflow import openai_fake  # noqa: F401  # the fake OpenAI server, as a fixture

USER = "alice"
TEXTS = ["Hello there, first line.", "A second line of the dialogue.", "And the third one."]


@pytest.fixture
def voice(harness, aws, instant_voice_files):
    s3 = aws.client("s3")
    placeholder = ready_voice(harness.store, USER)
    keys = {}
    for name, path in instant_voice_files.items():
        keys[name] = f"voices/{USER}/{placeholder.voice_id}/{path.name}"
        s3.upload_file(str(path), harness.settings.models_bucket, keys[name])
    harness.store.voices.collection.update_one({"_id": placeholder.voice_id}, {"$set": {"artifact_keys": keys}})
    return harness.store.voices.get(USER, placeholder.voice_id)


@pytest.fixture
def synth_worker(workflow_stack, registry, aws, harness):
    """The synth worker as build_worker makes it: single jobs and batch groups from the synth queue."""
    from voiceclone.workers.batch import BatchSynthHandler, SynthQueueHandler
    from voiceclone.workers.loop import LoopSettings, Worker
    from voiceclone.workers.synth import SynthHandler
    from voiceclone.workers.tracking import StoreJobTracker
    from voiceclone.workers.voice_cache import VoiceCache

    settings = harness.settings
    single = SynthHandler(settings, registry, aws.client("s3"), VoiceCache(256 * 1024 * 1024))
    handler = SynthQueueHandler(single, BatchSynthHandler(single, harness.store))
    loop = LoopSettings(queue_url=settings.synth_queue_url, heartbeat_s=0.5, visibility_timeout_s=QUEUE_VISIBILITY_S,
                        poll_wait_s=1, progress_interval_s=0.0)
    started: list[tuple[Worker, threading.Thread]] = []

    def start() -> Worker:
        worker = Worker(handler, loop, sqs=aws.client("sqs"), sfn=aws.client("stepfunctions"),
                        tracker=StoreJobTracker(harness.store))
        thread = threading.Thread(target=worker.run, name="test-batch-worker", daemon=True)
        thread.start()
        started.append((worker, thread))
        return worker

    yield start
    for worker, _ in started:
        worker.request_stop("test over")
    for _, thread in started:
        thread.join(60)


def create(harness, items: list[dict], **defaults) -> batch_service.BatchView:
    request = batch_service.BatchRequest.model_validate({"items": items, **defaults})
    return batch_service.create(harness.store, harness.settings, USER, request)


def execution_of(harness, batch_id: str) -> str:
    return harness.store.batches.get(USER, batch_id).execution_arn


def test_a_batch_speaks_every_item_but_the_unsupported_language_which_alone_fails_and_is_refunded(
    harness, synth_worker, voice, aws
):
    synth_worker()
    items = [{"text": TEXTS[0]}, {"text": TEXTS[1], "language": "xx", "output_format": "wav"}, {"text": TEXTS[2]}]
    created = create(harness, items, voice_model_id=voice.voice_id)
    assert created.status == JobStatus.PENDING and created.item_count == 3
    total = sum(len(text) for text in TEXTS)
    assert month_characters(harness.store, USER) == total  # charged once, for the whole batch
    described = harness.wait_execution(execution_of(harness, created.batch_id), timeout_s=240)
    assert described["status"] == "SUCCEEDED", described

    done = harness.store.batches.get(USER, created.batch_id)
    assert done.status == JobStatus.COMPLETED and done.progress == 1.0
    assert [item.status for item in done.items] == [JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.COMPLETED]
    assert done.items[1].error_message == "Language 'xx' is not supported by XTTS v2."
    assert month_characters(harness.store, USER) == total - len(TEXTS[1])  # the failed item refunded, once
    assert not harness.store.users.refund_part(USER, done.batch_id, refund_part_id(done.batch_id, 1), len(TEXTS[1]))

    # each result decodes; the zip holds the two spoken items and a manifest naming the failure
    s3 = aws.client("s3")
    for item in (done.items[0], done.items[2]):
        body = s3.get_object(Bucket=harness.settings.outputs_bucket, Key=item.output_key)["Body"].read()
        audio, rate = soundfile.read(io.BytesIO(body))
        assert rate == 24000 and abs(len(audio) / rate - item.duration_s) < 0.1
    assert done.zip_key and done.zip_items == 2
    archive = zipfile.ZipFile(io.BytesIO(s3.get_object(Bucket=harness.settings.outputs_bucket, Key=done.zip_key)["Body"].read()))
    assert sorted(archive.namelist()) == ["000.mp3", "002.mp3", "manifest.json"]
    for name in ("000.mp3", "002.mp3"):
        audio, rate = soundfile.read(io.BytesIO(archive.read(name)))
        assert rate == 24000 and len(audio) > rate // 2
    manifest = json.loads(archive.read("manifest.json"))
    assert [entry["status"] for entry in manifest["items"]] == ["completed", "failed", "completed"]
    assert manifest["items"][1]["file"] is None and "not supported" in manifest["items"][1]["error_message"]

    view = batch_service.get(harness.store, harness.settings, USER, created.batch_id)
    assert view.counts.completed == 2 and view.counts.failed == 1 and view.zip_available
    assert view.items[0].download_url and view.items[1].download_url is None
    # the zip built at the end is what download gives (no rebuild)
    assert batch_service.download_url(harness.store, harness.settings, USER, created.batch_id)
    assert harness.store.batches.get(USER, created.batch_id).zip_key == done.zip_key


def test_items_of_two_voices_go_to_one_worker_message_per_voice(harness, synth_worker, voice):
    other = ready_voice(harness.store, USER, artifact_keys=dict(voice.artifact_keys))
    worker = synth_worker()
    items = [{"text": TEXTS[0]}, {"text": TEXTS[1], "voice_model_id": other.voice_id}, {"text": TEXTS[2]}]
    created = create(harness, items, voice_model_id=voice.voice_id)
    described = harness.wait_execution(execution_of(harness, created.batch_id), timeout_s=240)
    assert described["status"] == "SUCCEEDED", described
    groups = json.loads(described["output"])["batch"]["groups"]
    assert sorted(group["payload"]["indices"] for group in groups) == [[0, 2], [1]]
    assert all(group["route"] == "gpu" and "text" not in group["payload"] for group in groups)
    assert worker.outcomes["succeeded"] == 2  # two messages for three items
    done = harness.store.batches.get(USER, created.batch_id)
    assert [item.status for item in done.items] == [JobStatus.COMPLETED] * 3


def test_cancel_while_queued_cancels_every_item_refunds_all_and_the_worker_moves_on(harness, synth_worker, voice):
    created = create(harness, [{"text": text} for text in TEXTS], voice_model_id=voice.voice_id)
    cancelled = batch_service.cancel_batch(harness.store, harness.settings, USER, created.batch_id)
    assert cancelled.status == JobStatus.CANCELLED and cancelled.counts.cancelled == 3
    # Refunds are checked once the execution ended: a workflow step that saw the cancel may end (and
    # refund) an item itself, a few milliseconds after the cancel call returned.
    synth_worker()
    described = harness.wait_execution(execution_of(harness, created.batch_id), timeout_s=120)
    assert described["status"] in ("FAILED", "ABORTED", "SUCCEEDED"), described
    done = harness.store.batches.get(USER, created.batch_id)
    assert done.status == JobStatus.CANCELLED
    assert all(item.status == JobStatus.CANCELLED and item.error_message == "cancelled by the user" for item in done.items)
    assert month_characters(harness.store, USER) == 0
    with pytest.raises(Exception, match="no completed item"):
        batch_service.download_url(harness.store, harness.settings, USER, created.batch_id)
    with pytest.raises(Exception, match="cancelled"):  # 409 once ended
        batch_service.cancel_batch(harness.store, harness.settings, USER, created.batch_id)


def test_quota_is_charged_exactly_and_a_batch_over_the_month_is_refused_before_anything_starts(harness, voice):
    harness.store.users.get_or_create(USER)
    limit = harness.store.users.get(USER).limits.monthly_characters  # free: 10 000
    near = "x" * 900
    for _ in range(limit // len(near) // 3):
        created = create(harness, [{"text": near}] * 3, voice_model_id=voice.voice_id)
        assert account_service.me(harness.store, harness.settings, USER).usage.active_jobs == 1  # the batch
        batch_service.cancel_batch(harness.store, harness.settings, USER, created.batch_id)
        assert account_service.me(harness.store, harness.settings, USER).usage.active_jobs == 0
    # every cancelled item refunded (by the cancel, or by the workflow's fail step that saw it first)
    assert eventually(lambda: month_characters(harness.store, USER) == 0)
    harness.store.users.charge_characters(USER, "tts_elsewhere", limit - 100)
    before = harness.store.batches.collection.count_documents({})
    with pytest.raises(QuotaExceeded) as refused:
        create(harness, [{"text": "y" * 60}, {"text": "z" * 60}], voice_model_id=voice.voice_id)
    assert refused.value.status_code == 429 and "monthly_characters" in refused.value.message
    assert harness.store.batches.collection.count_documents({}) == before  # no batch left behind
    assert month_characters(harness.store, USER) == limit - 100


def test_another_users_batch_is_not_found(harness, voice):
    created = create(harness, [{"text": TEXTS[0]}], voice_model_id=voice.voice_id)
    for call in (
        lambda: batch_service.get(harness.store, harness.settings, "bob", created.batch_id),
        lambda: batch_service.cancel_batch(harness.store, harness.settings, "bob", created.batch_id),
        lambda: batch_service.download_url(harness.store, harness.settings, "bob", created.batch_id),
    ):
        with pytest.raises(NotFound):
            call()
    assert batch_service.list_batches(harness.store, "bob", 20, None, None).items == []
    assert [b.batch_id for b in batch_service.list_batches(harness.store, USER, 20, None, None).items] == [created.batch_id]


def test_the_sweeper_fails_an_overdue_batch_whose_workflow_ended_and_refunds_its_items(harness, voice):
    harness.stack.configure(tts_batch_state_machine_arn="")  # the workflow never starts: failed at once
    created = create(harness, [{"text": TEXTS[0]}, {"text": TEXTS[1]}], voice_model_id=voice.voice_id)
    assert created.status == JobStatus.FAILED and created.counts.failed == 2
    assert "not configured" in created.items[0].error_message
    assert month_characters(harness.store, USER) == 0
    # one left processing past its deadline by a workflow that died
    stuck = create(harness, [{"text": TEXTS[2]}], voice_model_id=voice.voice_id)
    harness.store.batches.collection.update_one(
        {"_id": stuck.batch_id},
        {"$set": {"status": "pending", "error_message": None, "items.0.status": "processing",
                  "deadline_at": utcnow() - timedelta(seconds=1)}, "$unset": {"completed_at": ""}},
    )
    harness.store.users.charge_characters(USER, stuck.batch_id, len(TEXTS[2]))
    report = sweeper.sweep(harness.store, harness.settings, harness.sfn())
    assert stuck.batch_id in report.failed
    swept = harness.store.batches.get(USER, stuck.batch_id)
    assert swept.status == JobStatus.FAILED and "did not finish" in swept.error_message
    assert swept.items[0].status == JobStatus.FAILED and swept.items[0].error_message == swept.error_message
    assert month_characters(harness.store, USER) == 0


def test_a_remote_engines_items_are_spoken_one_by_one_and_a_refused_one_fails_alone(harness, aws, openai_fake):  # noqa: F811  # the fixture imported above
    remote_voice = ready_voice(harness.store, USER, model_type="openai")
    openai_fake.fail_next(400)  # the first item to reach the provider is refused
    texts = ["Remote line number one.", "Remote line number two."]
    created = create(harness, [{"text": text} for text in texts], voice_model_id=remote_voice.voice_id, output_format="ogg")
    described = harness.wait_execution(execution_of(harness, created.batch_id), timeout_s=120)
    assert described["status"] == "SUCCEEDED", described
    done = harness.store.batches.get(USER, created.batch_id)
    assert sorted(item.status for item in done.items) == [JobStatus.COMPLETED, JobStatus.FAILED]
    (failed,) = [item for item in done.items if item.status == JobStatus.FAILED]
    (spoken,) = done.finished_items()
    assert failed.error_message == "openai refused the request: openai failed (HTTP 400): scripted 400"
    body = aws.client("s3").get_object(Bucket=harness.settings.outputs_bucket, Key=spoken.output_key)["Body"].read()
    audio, rate = soundfile.read(io.BytesIO(body))
    assert rate == 24000 and abs(len(audio) / rate - spoken.duration_s) < 0.1
    assert month_characters(harness.store, USER) == len(texts[spoken.index])
    assert len([r for r in openai_fake.requests if r.path.endswith("/audio/speech")]) == 2
