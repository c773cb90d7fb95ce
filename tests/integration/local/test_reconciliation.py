"""Start-time reconciliation: records that point at objects the buckets lack end in a truthful state
(voice failed, sample rejected, TTS output expired, each with its reason), users read it through the API,
uploads whose event was lost are analysed again, and nothing else is touched."""

from __future__ import annotations

import json

import pytest

from functions.orchestration import analyze_sample
from tests.integration.api.conftest import Api, make_ready_sample, make_ready_voice
from tests.support.speech import english_utterances
from voiceclone.domain.ids import SAMPLE_PREFIX, TTS_JOB_PREFIX, new_id
from voiceclone.domain.jobs import JobStatus
from voiceclone.domain.samples import SampleStatus, VoiceSample
from voiceclone.domain.tts import TtsJob
from voiceclone.domain.voices import VoiceModel, VoiceStatus
from voiceclone.local.reconciliation import reconcile
from voiceclone.store import get_store
from voiceclone.store.reconciliation import SAMPLE_FILE_MISSING, VOICE_FILES_MISSING

USER = "alice"


@pytest.fixture
def store(settings):
    return get_store(settings)


@pytest.fixture
def s3(aws):
    return aws.client("s3")


def put(s3, bucket: str, key: str, body: bytes = b"bytes") -> str:
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="audio/wav")
    return key


def voice_with_artifacts(store, settings, s3, keep: bool) -> str:
    keys = {"conditioning": f"voices/{USER}/v/conditioning.pt", "gpt": f"voices/{USER}/v/gpt.pth"}
    voice_id = make_ready_voice(store, USER, artifacts={})
    keys = {name: key.replace("/v/", f"/{voice_id}/") for name, key in keys.items()}
    store.voices.collection.update_one({"_id": voice_id}, {"$set": {"artifact_keys": keys}})
    put(s3, settings.models_bucket, keys["conditioning"])
    if keep:
        put(s3, settings.models_bucket, keys["gpt"])
    return voice_id


def pending_sample(store, status: SampleStatus) -> VoiceSample:
    sample_id = new_id(SAMPLE_PREFIX)
    sample = store.samples.create(VoiceSample(
        sample_id=sample_id, user_id=USER, name="take", filename="take.wav", content_type="audio/wav",
        s3_key=f"raw/{USER}/{sample_id}/take.wav", transcript=english_utterances()[0].transcript, language="en",
    ))
    if status == SampleStatus.ANALYZING:
        store.samples.mark_analyzing(USER, sample_id)
    return sample


def completed_tts(store, settings, s3, voice_id: str, keep: bool) -> str:
    job_id = new_id(TTS_JOB_PREFIX)
    store.tts.create(TtsJob(user_id=USER, job_id=job_id, voice_model_id=voice_id, engine="xtts_v2_instant",
                            text="Hello.", characters=6))
    key = f"tts/{USER}/{job_id}.mp3"
    if keep:
        put(s3, settings.outputs_bucket, key, b"ID3-mp3")
    store.tts.transition(USER, job_id, JobStatus.PROCESSING)
    store.tts.transition(USER, job_id, JobStatus.COMPLETED, output_key=key, actual_duration_s=1.0)
    return job_id


def test_records_pointing_at_lost_objects_end_truthful_and_the_rest_is_untouched(settings, store, s3):
    lost_voice, kept_voice = voice_with_artifacts(store, settings, s3, False), voice_with_artifacts(store, settings, s3, True)
    training_voice = store.voices.create(VoiceModel(user_id=USER, voice_id="voice_training", name="t",
                                                    artifact_keys={"conditioning": "voices/alice/none.pt"})).voice_id
    lost_ready = make_ready_sample(store, USER)
    kept_ready = make_ready_sample(store, USER)
    put(s3, settings.samples_bucket, store.samples.get(USER, kept_ready).s3_key)
    lost_analyzing = pending_sample(store, SampleStatus.ANALYZING).sample_id
    never_uploaded = pending_sample(store, SampleStatus.UPLOADING).sample_id
    lost_output = completed_tts(store, settings, s3, kept_voice, keep=False)
    kept_output = completed_tts(store, settings, s3, kept_voice, keep=True)

    report = reconcile(store, settings, s3, redeliver=lambda event: None)

    assert report.failed_voices == [lost_voice]
    assert sorted(report.rejected_samples) == sorted([lost_ready, lost_analyzing])
    assert report.expired_outputs == [lost_output] and report.redelivered_uploads == []
    api = Api()
    voice = api.get(f"/api/voices/{lost_voice}").json
    assert (voice["status"], voice["error_message"]) == ("failed", VOICE_FILES_MISSING)
    refused = api.post("/api/tts/generate", body={"text": "Speak.", "voice_model_id": lost_voice})
    assert refused.status == 409, refused.body  # a failed voice is not offered, rather than failing later
    assert api.get(f"/api/voices/{kept_voice}").json["status"] == "ready"
    assert store.voices.get(USER, training_voice).status == VoiceStatus.TRAINING
    for sample_id in (lost_ready, lost_analyzing):
        sample = api.get(f"/api/samples/{sample_id}").json
        assert (sample["status"], sample["reasons"], sample["suitable_for_training"]) == ("rejected", [SAMPLE_FILE_MISSING], False)
    assert store.samples.get(USER, kept_ready).status == SampleStatus.READY
    assert store.samples.get(USER, never_uploaded).status == SampleStatus.UPLOADING  # its upload may still come
    gone = api.get(f"/api/tts/job/{lost_output}/download")
    assert gone.status == 410 and gone.error_code == "gone"
    assert api.get(f"/api/tts/job/{kept_output}/download").status == 302

    assert not reconcile(store, settings, s3, redeliver=lambda event: None)  # a second start changes nothing


def test_an_upload_whose_event_was_lost_is_analysed_again(settings, store, s3):
    utterance = max(english_utterances(), key=lambda u: u.duration_s)
    waiting = [pending_sample(store, SampleStatus.UPLOADING), pending_sample(store, SampleStatus.ANALYZING)]
    for sample in waiting:
        put(s3, settings.samples_bucket, sample.s3_key, utterance.path.read_bytes())
    events: list[dict] = []

    report = reconcile(store, settings, s3, redeliver=events.append)

    assert sorted(report.redelivered_uploads) == sorted(sample.sample_id for sample in waiting)
    for event in events:  # what the stack puts on the upload queue, handed to analyze-sample as SQS would
        analyze_sample.lambda_handler(json.loads(json.dumps(event)), None)
    for sample in waiting:
        analysed = store.samples.get(USER, sample.sample_id)
        assert analysed.status == SampleStatus.READY, analysed.reasons
        assert analysed.duration_s == pytest.approx(utterance.duration_s, abs=0.05)
    assert not reconcile(store, settings, s3, redeliver=events.append)
