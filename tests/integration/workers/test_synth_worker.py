"""The synth worker end to end: a real task token from moto's Step Functions, SQS, S3, SecantusDB."""

from __future__ import annotations

import io
import json

import pytest
import soundfile

from tests.integration.workers.conftest import (
    create_tts_job,
    make_worker,
    poll_until_handled,
    upload_voice,
)
from voiceclone.domain.jobs import JobStatus
from voiceclone.workers.synth import SynthHandler
from voiceclone.workers.voice_cache import VoiceCache

TEXT = "Hello there. This voice was cloned from a few seconds of speech."


@pytest.fixture
def synth_worker(settings, registry, store, aws, queue_url):
    cache = VoiceCache(budget_bytes=64 * 1024 * 1024)
    handler = SynthHandler(settings, registry, aws.client("s3"), cache)
    return make_worker(handler, queue_url, store, aws)


def _payload(settings, keys, job_id, fmt="mp3", **extra):
    return {
        "voice_id": "voice_a",
        "model_type": "xtts_v2_instant",
        "voice_artifact_keys": keys,
        "text": TEXT,
        "language": "en",
        "voice_settings": {"stability": 0.75, "similarity_boost": 0.8, "style": 0.2},
        "output_format": fmt,
        "output_key": f"tts/alice/{job_id}.{fmt}",
        **extra,
    }


def test_synthesis_job_puts_decodable_audio_in_outputs_and_reuses_the_cached_voice(
    settings, aws, store, machine, synth_worker, instant_voice_files
):
    keys = upload_voice(aws, settings.models_bucket, "alice", "voice_a", instant_voice_files)
    s3 = aws.client("s3")
    for job_id, fmt in (("tts_first", "mp3"), ("tts_second", "flac")):
        create_tts_job(store, "alice", job_id, "voice_a", TEXT)
        execution = machine.start(job_id, "alice", "synthesize", _payload(settings, keys, job_id, fmt))
        poll_until_handled(synth_worker)
        described = machine.wait(execution)
        assert described["status"] == "SUCCEEDED", described
        result = json.loads(described["output"])
        assert result["output_key"] == f"tts/alice/{job_id}.{fmt}"
        body = s3.get_object(Bucket=settings.outputs_bucket, Key=result["output_key"])["Body"].read()
        audio, rate = soundfile.read(io.BytesIO(body))
        assert rate == 24000 and result["sample_rate"] == 24000
        assert len(audio) / rate == pytest.approx(result["duration_s"], abs=0.1)
        assert result["duration_s"] > 0.5 and result["size_bytes"] == len(body)
        assert store.tts.get("alice", job_id).stage == "encoding"
    # The first request loaded the voice, the second found it in the cache.
    handler = synth_worker.handler
    assert (handler.cache.misses, handler.cache.hits) == (1, 1)
    assert synth_worker.outcomes["succeeded"] == 2


def test_job_cancelled_before_pickup_is_answered_cancelled_and_writes_nothing(
    settings, aws, store, machine, synth_worker, instant_voice_files
):
    keys = upload_voice(aws, settings.models_bucket, "alice", "voice_a", instant_voice_files)
    create_tts_job(store, "alice", "tts_cancel", "voice_a", TEXT)
    store.tts.transition("alice", "tts_cancel", JobStatus.CANCELLED)
    execution = machine.start("tts_cancel", "alice", "synthesize", _payload(settings, keys, "tts_cancel"))
    poll_until_handled(synth_worker)
    assert machine.wait(execution)["status"] == "FAILED"
    assert machine.failure(execution)["error"] == "Cancelled"
    listed = aws.client("s3").list_objects_v2(Bucket=settings.outputs_bucket)
    assert listed.get("KeyCount", 0) == 0
    assert synth_worker.outcomes["cancelled"] == 1


def test_unsupported_language_fails_the_job_with_a_readable_cause(
    settings, aws, store, machine, synth_worker, instant_voice_files
):
    keys = upload_voice(aws, settings.models_bucket, "alice", "voice_a", instant_voice_files)
    create_tts_job(store, "alice", "tts_lang", "voice_a", TEXT)
    execution = machine.start("tts_lang", "alice", "synthesize", _payload(settings, keys, "tts_lang", language="xx"))
    poll_until_handled(synth_worker)
    assert machine.wait(execution)["status"] == "FAILED"
    assert machine.failure(execution)["error"] == "BadInput"
    (sent,) = synth_worker.sfn.sent_failures
    assert sent["error"] == "BadInput" and "Language 'xx' is not supported" in sent["cause"]


def test_message_that_does_not_parse_fails_with_bad_job_message(settings, aws, store, machine, synth_worker):
    execution = machine.start("tts_bad", "alice", "synthesize", {"text": "no voice, no output key"})
    poll_until_handled(synth_worker)
    assert machine.wait(execution)["status"] == "FAILED"
    assert machine.failure(execution)["error"] == "BadJobMessage"
    (sent,) = synth_worker.sfn.sent_failures
    assert "voice_artifact_keys" in sent["cause"] and "output_key" in sent["cause"]
    # The poison message is gone from the queue.
    left = aws.client("sqs").receive_message(QueueUrl=machine.queue_url, WaitTimeSeconds=0)
    assert "Messages" not in left


def test_a_train_job_on_the_synth_queue_fails_with_bad_job_message(settings, aws, store, machine, synth_worker):
    clips = [{"key": "prepared/alice/trn_lost/smp_0/clip_000.wav", "duration_s": 4.0}]
    execution = machine.start("trn_lost", "alice", "train", {"voice_id": "voice_a", "clips": clips})
    poll_until_handled(synth_worker)
    assert machine.wait(execution)["status"] == "FAILED"
    assert machine.failure(execution)["error"] == "BadJobMessage"
    (sent,) = synth_worker.sfn.sent_failures
    assert sent["cause"] == "a train job reached the synthesize queue"
    assert synth_worker.outcomes["failed"] == 1
    left = aws.client("sqs").receive_message(QueueUrl=machine.queue_url, WaitTimeSeconds=0)
    assert "Messages" not in left
