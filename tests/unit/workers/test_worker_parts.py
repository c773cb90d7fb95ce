"""Worker parts in isolation: messages, the voice cache, the heartbeat's reading of Step Functions errors,
throttled progress."""

from __future__ import annotations

import threading

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber
from pydantic import ValidationError

from voiceclone.domain.jobs import JobCancelled
from voiceclone.engines.base import StopRequested
from voiceclone.workers.heartbeat import Heartbeat
from voiceclone.workers.loop import LoopSettings, Worker
from voiceclone.workers.messages import SynthMessage, TrainMessage, parse_job_message
from voiceclone.workers.progress import ProgressReporter
from voiceclone.workers.voice_cache import VoiceCache

TOKEN = "token-" + "x" * 40


def test_messages_parse_by_kind_with_the_seed_defaults():
    train = parse_job_message(
        '{"task_token": "t", "job_id": "trn_1", "user_id": "u", "kind": "train",'
        ' "payload": {"voice_id": "voice_1", "config": {"model_type": "xtts_v2", "epochs": 100},'
        ' "clips": [{"key": "prepared/u/trn_1/smp_1/clip_000.wav", "duration_s": 4.2}]}}'
    )
    assert isinstance(train, TrainMessage)
    assert (train.payload.config.epochs, train.payload.config.batch_size) == (100, 4)
    synth = parse_job_message(
        '{"task_token": "t", "job_id": "tts_1", "user_id": "u", "kind": "synthesize", "payload": {'
        '"voice_id": "voice_1", "voice_artifact_keys": {"conditioning": "voices/u/voice_1/conditioning.pt"},'
        '"text": "Hi", "output_key": "tts/u/tts_1.mp3", "voice_settings": {"stability": 0.75}}}'
    )
    assert isinstance(synth, SynthMessage) and synth.payload.output_format == "mp3"


def test_a_train_message_without_clips_is_refused():
    with pytest.raises(ValidationError, match="clips"):
        parse_job_message('{"task_token": "t", "job_id": "j", "user_id": "u", "kind": "train", "payload": {"voice_id": "v", "clips": []}}')


class Voice:
    def __init__(self, nbytes):
        self.nbytes = nbytes


def test_voice_cache_counts_and_evicts_least_recently_used_within_budget():
    cache = VoiceCache(budget_bytes=250)
    for name in ("a", "b"):
        cache.get_or_load(name, lambda: Voice(100))
    assert cache.get_or_load("a", lambda: Voice(100))[1] is True  # a is now the most recent
    cache.get_or_load("c", lambda: Voice(100))  # 300 > 250: b goes
    assert cache.get_or_load("a", lambda: Voice(100))[1] is True
    assert cache.get_or_load("b", lambda: Voice(100))[1] is False
    assert (cache.hits, cache.misses, cache.evictions) == (2, 4, 2)


def test_a_voice_larger_than_the_budget_is_still_served():
    cache = VoiceCache(budget_bytes=10)
    voice, hit = cache.get_or_load("big", lambda: Voice(1000))
    assert voice.nbytes == 1000 and not hit and len(cache) == 1


class Tracker:
    def __init__(self, status="processing"):
        self.current = status
        self.reports = []

    def status(self, kind, user_id, job_id):
        return self.current

    def report_progress(self, kind, user_id, job_id, progress, stage):
        self.reports.append((round(progress, 2), stage))


def _heartbeat(*sfn_answers, status="processing"):
    """A Heartbeat on real boto3 clients whose answers come from botocore Stubbers (None = accepted)."""
    sqs = boto3.client("sqs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    sfn = boto3.client("stepfunctions", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    sqs_stub, sfn_stub = Stubber(sqs), Stubber(sfn)
    sqs_stub.add_response("change_message_visibility", {})
    for answer in sfn_answers or (None,):
        if answer is None:
            sfn_stub.add_response("send_task_heartbeat", {})
        else:
            sfn_stub.add_client_error("send_task_heartbeat", service_error_code=answer)
    sqs_stub.activate()
    sfn_stub.activate()
    return Heartbeat(
        sqs=sqs, sfn=sfn, tracker=Tracker(status), queue_url="https://sqs.us-east-1.amazonaws.com/1/q",
        receipt_handle="r", task_token=TOKEN, kind="train", user_id="u", job_id="trn_1",
        interval_s=60, visibility_timeout_s=120,
    )


@pytest.fixture(autouse=True)
def _no_retry_pause(monkeypatch):
    monkeypatch.setattr("voiceclone.workers.heartbeat.GONE_RETRY_S", 0)


@pytest.mark.parametrize("code", ["TaskTimedOut", "TaskDoesNotExist", "InvalidToken"])
def test_a_heartbeat_refused_again_and_again_means_the_execution_is_gone(code):
    heartbeat = _heartbeat(code, code, code)
    heartbeat.beat()
    assert heartbeat.cancelled.is_set() and code in heartbeat.reason


def test_one_refusal_followed_by_an_accepted_heartbeat_is_not_a_cancel():
    heartbeat = _heartbeat("InvalidToken", None)
    heartbeat.beat()
    assert not heartbeat.cancelled.is_set()


def test_a_cancelled_status_in_the_database_cancels_even_when_heartbeats_pass():
    heartbeat = _heartbeat(status="cancelled")
    heartbeat.beat()
    assert heartbeat.cancelled.is_set() and "cancelled" in heartbeat.reason


def test_a_throttling_error_is_not_a_cancel():
    heartbeat = _heartbeat("ThrottlingException")
    heartbeat.beat()
    assert not heartbeat.cancelled.is_set()


def test_progress_is_throttled_but_stage_changes_and_completion_always_written():
    tracker, cancelled, stopping = Tracker(), threading.Event(), threading.Event()
    progress = ProgressReporter(tracker, "train", "u", "trn_1", cancelled, stopping, interval_s=3600)
    for step in range(100):
        progress(step / 100, "training")
    progress(0.99, "conditioning")
    progress(1.0, "conditioning")
    assert tracker.reports == [(0.0, "training"), (0.99, "conditioning"), (1.0, "conditioning")]
    stopping.set()
    with pytest.raises(StopRequested):
        progress(0.5, "training")
    cancelled.set()
    with pytest.raises(JobCancelled):
        progress(0.5, "training")


class Unreachable:
    """An AWS client whose every call fails below the HTTP layer (no ClientError: a network blip)."""

    def __getattr__(self, operation):
        def call(**kwargs):
            raise EndpointConnectionError(endpoint_url=f"https://aws/{operation}")

        return call


def test_a_network_blip_neither_stops_the_heartbeat_nor_cancels_the_job():
    heartbeat = Heartbeat(
        sqs=Unreachable(), sfn=Unreachable(), tracker=Tracker(), queue_url="https://sqs.us-east-1.amazonaws.com/1/q",
        receipt_handle="r", task_token=TOKEN, kind="train", user_id="u", job_id="trn_1",
        interval_s=60, visibility_timeout_s=120,
    )
    heartbeat.beat()  # raising here would end the heartbeat thread for the rest of the job
    assert not heartbeat.cancelled.is_set()


def test_a_network_blip_while_polling_does_not_end_the_worker():
    class Handler:
        kind = "train"

    worker = Worker(Handler(), LoopSettings(queue_url="https://sqs.us-east-1.amazonaws.com/1/q"),
                    sqs=Unreachable(), sfn=Unreachable(), tracker=Tracker())
    worker.stopping.set()  # no 5 s pause before the next poll
    assert worker.poll_once() is False
