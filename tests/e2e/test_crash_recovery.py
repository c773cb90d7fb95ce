"""`kill -9` of the whole `voiceclone run` process group, then a restart on the same data folder: every
object S3 acknowledged and every record is there, every download still works, and the work the kill
interrupted (a TTS job, an upload still to be analysed) ends in a terminal state, not stuck."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import boto3
import httpx
import pytest

from tests.integration.local.platform import MOTO, READY, VOICECLONE
from tests.support.speech import english_utterances

ENDED = ("completed", "failed", "cancelled")
START_TIMEOUT_S = 180
TEXT = "Every word of this survives a crash."
BOTOCORE_WORDS = ("An error occurred", "HeadObject", "GetObject", "ClientError", "botocore")


class Platform:
    """`voiceclone run --no-demo` in its own process group, so the kill takes every child with it."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.url = self.aws_url = ""
        self.output: list[str] = []
        self._served = threading.Event()

    def start(self) -> Platform:
        environment = {**os.environ, "PORT": "0", "PYTHONUNBUFFERED": "1", "HF_HUB_OFFLINE": "1"}
        environment.pop("AWS_ENDPOINT_URL", None)
        self.process = subprocess.Popen(
            [str(VOICECLONE), "run", "--data-dir", str(self.data_dir), "--no-demo"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment, start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        if not self._served.wait(START_TIMEOUT_S) or not self.url:
            self.kill()
            raise AssertionError("voiceclone run did not get ready:\n" + "".join(self.output[-60:]))
        return self

    def _read(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)
            for pattern, attribute in ((READY, "url"), (MOTO, "aws_url")):
                if match := pattern.search(line):
                    setattr(self, attribute, match.group(1))
            if self.url and self.aws_url:
                self._served.set()
        self._served.set()

    def kill(self) -> None:
        """SIGKILL to the process group: no handler runs, nothing is saved on the way out."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.kill()

    def token(self, user: str) -> str:
        command = [str(VOICECLONE), "token", "--user", user, "--ttl", "3600", "--data-dir", str(self.data_dir)]
        return subprocess.run(command, check=True, capture_output=True, text=True, timeout=60).stdout.strip()

    def client(self, token: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, headers={"Authorization": f"Bearer {token}"})

    def objects(self) -> dict[tuple[str, str], str]:
        """(bucket, key) -> ETag of every object in the local S3."""
        s3 = boto3.client("s3", endpoint_url=self.aws_url, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        found = {}
        for bucket in s3.list_buckets()["Buckets"]:
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket["Name"]):
                for item in page.get("Contents", []):
                    found[(bucket["Name"], item["Key"])] = item["ETag"]
        return found


def poll(client: httpx.Client, path: str, done, timeout_s: float = 180) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        answer = client.get(path)
        assert answer.status_code == 200, answer.text
        record = answer.json()
        if done(record) or time.monotonic() > deadline:
            return record
        time.sleep(0.3)


def upload(client: httpx.Client, utterance) -> str:
    created = client.post("/api/samples", json={"name": utterance.path.stem, "filename": utterance.path.name,
                                                "transcript": utterance.transcript, "language": "en"})
    assert created.status_code == 201, created.text
    form = created.json()["upload"]
    posted = httpx.post(form["url"], data=form["fields"], files={"file": (utterance.path.name, utterance.path.read_bytes())})
    assert posted.status_code == 204, posted.text  # acknowledged by S3: it must survive the kill
    return created.json()["sample"]["sample_id"]


def download(client: httpx.Client, job_id: str) -> bytes:
    redirect = client.get(f"/api/tts/job/{job_id}/download", follow_redirects=False)
    assert redirect.status_code == 302, redirect.text
    answer = httpx.get(redirect.headers["location"], timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.content


def speak(client: httpx.Client, voice_id: str, fmt: str) -> str:
    job = client.post("/api/tts/generate", json={"text": TEXT, "voice_model_id": voice_id, "output_format": fmt})
    assert job.status_code == 202, job.text
    return job.json()["job_id"]


@pytest.fixture(scope="module")
def crash(tmp_path_factory):
    """Build samples, a voice and results; start more work; kill -9; restart on the same folder."""
    data_dir = tmp_path_factory.mktemp("crash")
    utterances = sorted(english_utterances(), key=lambda u: -u.duration_s)
    first = Platform(data_dir).start()
    try:
        token = first.token("carol")
        with first.client(token) as carol:
            sample_ids = [upload(carol, utterance) for utterance in utterances[:3]]
            for sample_id in sample_ids:
                assert poll(carol, f"/api/samples/{sample_id}", lambda s: s["status"] in ("ready", "rejected"))["status"] == "ready"
            started = carol.post("/api/training/start", json={
                "voice_name": "Carol", "sample_ids": sample_ids, "training_config": {"model_type": "xtts_v2_instant"}})
            assert started.status_code == 202, started.text
            training = poll(carol, f"/api/training/job/{started.json()['job_id']}", lambda j: j["status"] in ENDED)
            assert training["status"] == "completed", training
            voice_id = training["result_model_id"]
            spoken = {}
            for fmt in ("mp3", "wav"):
                job_id = speak(carol, voice_id, fmt)
                assert poll(carol, f"/api/tts/job/{job_id}", lambda j: j["status"] in ENDED)["status"] == "completed"
                spoken[job_id] = download(carol, job_id)
            # Work in flight at the kill: a TTS job, a training and an upload whose analysis may not have run.
            interrupted_tts = speak(carol, voice_id, "ogg")
            retrained = carol.post("/api/training/start", json={
                "voice_name": "Carol again", "sample_ids": sample_ids, "training_config": {"model_type": "xtts_v2_instant"}})
            assert retrained.status_code == 202, retrained.text
            interrupted_training = retrained.json()
            late_sample = upload(carol, utterances[3])
            before = {"samples": carol.get("/api/samples?limit=100").json()["items"],
                      "voices": carol.get("/api/voices").json()["items"]}
        acknowledged = first.objects()
    finally:
        first.kill()
    second = Platform(data_dir).start()
    try:
        yield {
            "platform": second, "token": token, "sample_ids": sample_ids, "late_sample": late_sample,
            "voice_id": voice_id, "training": training, "spoken": spoken, "interrupted_tts": interrupted_tts,
            "interrupted_training": interrupted_training,
            "before": before, "acknowledged": acknowledged,
        }
    finally:
        second.stop()


@pytest.fixture(scope="module")
def carol(crash):
    with crash["platform"].client(crash["token"]) as client:
        yield client


def test_every_acknowledged_object_is_there_with_its_etag(crash):
    after = crash["platform"].objects()
    # fail-job may remove what the interrupted jobs wrote (output, clips, voice files); nothing else may go.
    interrupted = (crash["interrupted_tts"], crash["interrupted_training"]["job_id"], crash["interrupted_training"]["voice_id"])
    expected = {place: etag for place, etag in crash["acknowledged"].items() if not any(i in place[1] for i in interrupted)}
    missing = {place: etag for place, etag in expected.items() if after.get(place) != etag}
    assert not missing, f"{len(missing)} of {len(expected)} objects lost: {sorted(missing)[:5]}"
    keys = [key for _, key in expected]
    assert sum(key.startswith("raw/carol/") for key in keys) == 4  # every upload, the last one too
    assert any(key.startswith(f"voices/carol/{crash['voice_id']}/") for key in keys)
    # each result: its audio, and its sentence timestamps as JSON and WebVTT beside it
    assert sorted(key for key in keys if key.startswith("tts/")) == sorted(
        f"tts/carol/{job_id}.{ext}" for job_id, fmt in zip(crash["spoken"], ("mp3", "wav"), strict=True)
        for ext in (fmt, "timestamps.json", "vtt"))


def test_every_record_is_there_and_the_voice_still_ready(crash, carol):
    samples = {s["sample_id"]: s for s in carol.get("/api/samples?limit=100").json()["items"]}
    assert set(samples) == {s["sample_id"] for s in crash["before"]["samples"]}
    assert all(samples[sample_id]["status"] == "ready" for sample_id in crash["sample_ids"])
    voice = carol.get(f"/api/voices/{crash['voice_id']}").json()
    assert voice["status"] == "ready", voice
    training = carol.get(f"/api/training/job/{crash['training']['job_id']}").json()
    assert training["status"] == "completed" and training["result_model_id"] == crash["voice_id"]


def test_every_download_still_works_byte_for_byte(crash, carol):
    for job_id, data in crash["spoken"].items():
        assert carol.get(f"/api/tts/job/{job_id}").json()["status"] == "completed"
        assert download(carol, job_id) == data


def test_interrupted_work_ends_in_a_terminal_state(crash, carol):
    training = crash["interrupted_training"]
    for path in (f"/api/tts/job/{crash['interrupted_tts']}", f"/api/training/job/{training['job_id']}"):
        job = poll(carol, path, lambda j: j["status"] in ENDED, timeout_s=60)
        assert job["status"] in ENDED, job
        if job["status"] == "failed":
            assert not any(word in (job["error_message"] or "") for word in BOTOCORE_WORDS), job
    assert carol.get(f"/api/voices/{training['voice_id']}").json()["status"] in ("ready", "failed")
    late = poll(carol, f"/api/samples/{crash['late_sample']}", lambda s: s["status"] in ("ready", "rejected"), timeout_s=60)
    assert late["status"] == "ready", late  # its upload was acknowledged: analysed, even if its event died
    active = [job for listing in ("/api/training/jobs", "/api/tts/jobs")
              for job in carol.get(f"{listing}?limit=100").json()["items"] if job["status"] not in ENDED]
    assert active == []


def test_the_restored_voice_speaks_again(crash, carol):
    job_id = speak(carol, crash["voice_id"], "flac")
    job = poll(carol, f"/api/tts/job/{job_id}", lambda j: j["status"] in ENDED)
    assert job["status"] == "completed", job
    assert download(carol, job_id)[:4] == b"fLaC"
