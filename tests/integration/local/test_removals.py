"""S3 removals reach the cleanup Lambda in the local run, as in AWS: a TTS output deleted from the outputs
bucket makes its job's download answer 410, a raw upload deleted from the samples bucket removes its sample."""

import time

import httpx
import pytest

from voiceclone import blobs
from voiceclone.domain.ids import TTS_JOB_PREFIX, VOICE_PREFIX, new_id
from voiceclone.domain.jobs import JobStatus
from voiceclone.domain.tts import OutputFormat, TtsJob
from voiceclone.local.stack import LocalConfig, LocalStack
from voiceclone.store import get_store

USER = "dana"


def wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    config = LocalConfig(data_dir=tmp_path_factory.mktemp("removals"), port=0, run_demo=False)
    with LocalStack(config) as running:
        yield running


@pytest.fixture
def headers(stack):
    return {"Authorization": f"Bearer {stack.issue_token(USER)}"}


def completed_tts_job(stack) -> TtsJob:
    """A completed job with its output in the outputs bucket, as finalize-tts leaves it."""
    store, settings = get_store(), stack.settings
    job = store.tts.create(
        TtsJob(job_id=new_id(TTS_JOB_PREFIX), user_id=USER, voice_model_id=new_id(VOICE_PREFIX), engine="xtts_v2",
               text="Hello there.", characters=12, output_format=OutputFormat.WAV)
    )
    key = blobs.tts_output_key(USER, job.job_id, "wav")
    stack.client("s3").put_object(Bucket=settings.outputs_bucket, Key=key, Body=b"RIFF placeholder output")
    store.tts.transition(USER, job.job_id, JobStatus.PROCESSING)
    return store.tts.transition(USER, job.job_id, JobStatus.COMPLETED, output_key=key, actual_duration_s=1.0)


def test_a_deleted_tts_output_marks_the_job_expired_and_download_answers_410(stack, headers):
    job = completed_tts_job(stack)
    download = f"{stack.url}/api/tts/job/{job.job_id}/download"
    assert httpx.get(download, headers=headers).status_code == 302

    stack.client("s3").delete_object(Bucket=stack.settings.outputs_bucket, Key=job.output_key)

    # The record changes through the S3 event and cleanup alone: nothing reads the job before it does.
    assert wait_for(lambda: get_store().tts.get(USER, job.job_id).output_expired), "cleanup never ran"
    gone = httpx.get(download, headers=headers)
    assert gone.status_code == 410
    assert gone.json()["error"]["code"] == "gone"
    assert job.job_id in gone.json()["error"]["message"] and "expired or was deleted" in gone.json()["error"]["message"]
    assert get_store().tts.get(USER, job.job_id).status == JobStatus.COMPLETED  # the job itself stays completed


def test_a_deleted_raw_upload_removes_its_sample_and_uploads_are_still_analysed(stack, headers):
    created = httpx.post(f"{stack.url}/api/samples", headers=headers, json={"name": "n", "filename": "n.wav"})
    assert created.status_code == 201, created.text
    sample, upload = created.json()["sample"], created.json()["upload"]
    uploaded = httpx.post(upload["url"], data=upload["fields"], files={"file": ("n.wav", b"not really audio")})
    assert uploaded.status_code == 204
    one_sample = f"{stack.url}/api/samples/{sample['sample_id']}"

    # The samples bucket now carries two routes: uploads still reach analyze-sample.
    assert wait_for(lambda: httpx.get(one_sample, headers=headers).json().get("status") == "rejected")

    stack.client("s3").delete_object(Bucket=stack.settings.samples_bucket, Key=upload["fields"]["key"])

    assert wait_for(lambda: httpx.get(one_sample, headers=headers).status_code == 404), "cleanup never ran"
    assert httpx.get(one_sample, headers=headers).json()["error"]["code"] == "not_found"
