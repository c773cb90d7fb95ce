"""Workers meeting missing or unreachable S3 objects fail the job with a plain cause (no botocore text),
and a voice whose model files are gone is marked failed so it is not offered again."""

from __future__ import annotations

from tests.integration.workers.conftest import (
    create_training_job,
    create_tts_job,
    make_worker,
    poll_until_handled,
    upload_clips,
    upload_voice,
)
from voiceclone.domain.voices import VoiceModel, VoiceStatus
from voiceclone.store.reconciliation import VOICE_FILES_MISSING
from voiceclone.workers import synth
from voiceclone.workers.synth import SynthHandler
from voiceclone.workers.trainer import CLIP_MISSING, TrainHandler
from voiceclone.workers.voice_cache import VoiceCache

TEXT = "The files of this voice went missing."
BOTOCORE_WORDS = ("An error occurred", "HeadObject", "GetObject", "PutObject", "ClientError")


def _payload(keys: dict[str, str], job_id: str, voice_id: str = "voice_lost") -> dict:
    return {
        "voice_id": voice_id,
        "model_type": "xtts_v2_instant",
        "voice_artifact_keys": keys,
        "text": TEXT,
        "output_format": "wav",
        "output_key": f"tts/alice/{job_id}.wav",
    }


def _ready_voice(store, voice_id: str, keys: dict[str, str]) -> None:
    store.voices.create(
        VoiceModel(user_id="alice", voice_id=voice_id, name="Lost", model_type="xtts_v2_instant",
                   status=VoiceStatus.READY, artifact_keys=keys)
    )


def _assert_plain(cause: str) -> None:
    assert not any(word in cause for word in BOTOCORE_WORDS), cause


def test_voice_with_missing_artifacts_fails_plainly_and_the_voice_is_marked_failed(
    settings, aws, store, machine, queue_url, registry, instant_voice_files
):
    keys = upload_voice(aws, settings.models_bucket, "alice", "voice_lost", instant_voice_files)
    _ready_voice(store, "voice_lost", keys)
    for key in keys.values():
        aws.client("s3").delete_object(Bucket=settings.models_bucket, Key=key)
    handler = SynthHandler(settings, registry, aws.client("s3"), VoiceCache(64 << 20),
                           voice_files_missing=synth.voice_failer(store))  # as build_worker wires it
    worker = make_worker(handler, queue_url, store, aws)

    create_tts_job(store, "alice", "tts_lost", "voice_lost", TEXT)
    execution = machine.start("tts_lost", "alice", "synthesize", _payload(keys, "tts_lost"))
    poll_until_handled(worker)
    assert machine.wait(execution)["status"] == "FAILED"
    (sent,) = worker.sfn.sent_failures
    assert sent == {"error": "BadInput", "cause": VOICE_FILES_MISSING}
    voice = store.voices.get("alice", "voice_lost")
    assert voice.status == VoiceStatus.FAILED and voice.error_message == VOICE_FILES_MISSING


def test_missing_training_clip_fails_plainly(settings, aws, store, machine, queue_url, registry, speech):
    clips = upload_clips(aws, settings.samples_bucket, "bob", "trn_lost", speech[:2])
    aws.client("s3").delete_object(Bucket=settings.samples_bucket, Key=clips[1]["key"])
    worker = make_worker(TrainHandler(settings, registry, aws.client("s3")), queue_url, store, aws, interrupt_on_stop=True)
    create_training_job(store, "bob", "trn_lost", "voice_t")
    execution = machine.start("trn_lost", "bob", "train", {"voice_id": "voice_t", "model_type": "xtts_v2_instant", "clips": clips})
    poll_until_handled(worker)
    assert machine.wait(execution)["status"] == "FAILED"
    (sent,) = worker.sfn.sent_failures
    assert sent == {"error": "BadInput", "cause": CLIP_MISSING}
    _assert_plain(sent["cause"])


def test_any_other_storage_failure_is_said_plainly(settings, aws, store, machine, queue_url, registry, instant_voice_files):
    keys = upload_voice(aws, settings.models_bucket, "alice", "voice_ok", instant_voice_files)
    unreachable = settings.model_copy(update={"outputs_bucket": "no-such-outputs-bucket"})  # PutObject: NoSuchBucket
    worker = make_worker(SynthHandler(unreachable, registry, aws.client("s3"), VoiceCache(64 << 20)), queue_url, store, aws)
    create_tts_job(store, "alice", "tts_nowhere", "voice_ok", TEXT)
    execution = machine.start("tts_nowhere", "alice", "synthesize", _payload(keys, "tts_nowhere", "voice_ok"))
    poll_until_handled(worker)
    assert machine.wait(execution)["status"] == "FAILED"
    (sent,) = worker.sfn.sent_failures
    assert sent["error"] == "WorkerError"
    assert sent["cause"] == "the worker could not read or write its files (storage answered NoSuchBucket); please try again"
    _assert_plain(sent["cause"])
