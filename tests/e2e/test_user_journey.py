"""A user's whole journey through `voiceclone run` with a real HTTP client and nothing else: samples up
through the presigned POST, analysis, an instant voice trained, speech in every output format
downloaded through the 302 and decoded; a second user sees none of it."""

from __future__ import annotations

import io
import time

import httpx
import pytest
import soundfile

from tests.integration.local.platform import RunningPlatform
from tests.support.speech import english_utterances

TEXT = "Good morning. This is a cloned voice speaking through the local platform."
FORMATS = ("mp3", "wav", "ogg", "flac")
ENDED = ("completed", "failed", "cancelled")


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    with RunningPlatform(tmp_path_factory.mktemp("e2e-journey")) as running:
        yield running


def _client(platform, user: str) -> httpx.Client:
    return httpx.Client(base_url=platform.url, timeout=30, headers={"Authorization": f"Bearer {platform.token(user)}"})


@pytest.fixture(scope="module")
def alice(platform):
    with _client(platform, "alice") as client:
        yield client


@pytest.fixture(scope="module")
def bob(platform):
    with _client(platform, "bob") as client:
        yield client


def poll(client: httpx.Client, path: str, done, timeout_s: float = 240) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        answer = client.get(path)
        assert answer.status_code == 200, answer.text
        record = answer.json()
        if done(record) or time.monotonic() > deadline:
            return record
        time.sleep(0.3)


@pytest.fixture(scope="module")
def journey(alice):
    """Alice uploads three recordings, trains an instant voice and speaks in each format."""
    sample_ids = []
    longest = sorted(english_utterances(), key=lambda u: -u.duration_s)[:3]  # each long enough to train on
    for utterance in longest:
        created = alice.post("/api/samples", json={"name": utterance.path.stem, "filename": utterance.path.name,
                                                   "transcript": utterance.transcript, "language": "en"})
        assert created.status_code == 201, created.text
        upload = created.json()["upload"]
        posted = httpx.post(upload["url"], data=upload["fields"],
                            files={"file": (utterance.path.name, utterance.path.read_bytes(), "audio/wav")})
        assert posted.status_code in (200, 204), posted.text
        sample_ids.append(created.json()["sample"]["sample_id"])
    samples = [poll(alice, f"/api/samples/{i}", lambda s: s["status"] in ("ready", "rejected")) for i in sample_ids]
    assert [s["status"] for s in samples] == ["ready"] * 3, samples

    started = alice.post("/api/training/start", json={
        "voice_name": "Alice", "sample_ids": sample_ids, "training_config": {"model_type": "xtts_v2_instant"}})
    assert started.status_code in (200, 201, 202), started.text
    training = poll(alice, f"/api/training/job/{started.json()['job_id']}", lambda j: j["status"] in ENDED)
    assert training["status"] == "completed", training
    voice_id = training["result_model_id"]

    spoken = {}
    for fmt in FORMATS:  # one at a time: the free plan allows two active jobs
        job = alice.post("/api/tts/generate", json={"text": TEXT, "voice_model_id": voice_id, "output_format": fmt})
        assert job.status_code in (200, 201, 202), job.text
        spoken[fmt] = poll(alice, f"/api/tts/job/{job.json()['job_id']}", lambda j: j["status"] in ENDED)
    return {"sample_ids": sample_ids, "training": training, "voice_id": voice_id, "spoken": spoken}


def test_the_voice_is_ready_and_listed(alice, journey):
    voice = alice.get(f"/api/voices/{journey['voice_id']}")
    assert voice.status_code == 200 and voice.json()["status"] == "ready"
    available = alice.get("/api/tts/models/available").json()["voices"]
    assert journey["voice_id"] in [v["voice_id"] for v in available]


@pytest.mark.parametrize("fmt", FORMATS)
def test_speech_downloads_through_the_302_and_decodes(alice, journey, fmt):
    job = journey["spoken"][fmt]
    assert job["status"] == "completed", job
    redirect = alice.get(f"/api/tts/job/{job['job_id']}/download", follow_redirects=False)
    assert redirect.status_code == 302, redirect.text
    audio_file = httpx.get(redirect.headers["location"], timeout=30)
    assert audio_file.status_code == 200
    audio, rate = soundfile.read(io.BytesIO(audio_file.content))
    assert rate == 24000
    assert audio.ndim == 1 and len(audio) / rate == pytest.approx(job["actual_duration_s"], abs=0.1)
    assert len(audio) / rate > 0.5
    result = alice.get(f"/api/tts/job/{job['job_id']}/result").json()
    assert result["output_format"] == fmt and result["characters"] == len(TEXT)


def test_usage_counts_each_job_once(alice, journey):
    usage = alice.get("/api/me").json()["usage"]
    assert usage["characters"] == len(TEXT) * len(FORMATS)
    assert usage["tts_jobs"] == len(FORMATS) and usage["active_jobs"] == 0


def test_a_second_user_sees_none_of_it(bob, journey):
    alice_tts = journey["spoken"]["mp3"]["job_id"]
    for path in (
        f"/api/samples/{journey['sample_ids'][0]}",
        f"/api/training/job/{journey['training']['job_id']}",
        f"/api/voices/{journey['voice_id']}",
        f"/api/tts/job/{alice_tts}",
        f"/api/tts/job/{alice_tts}/result",
        f"/api/tts/job/{alice_tts}/download",
    ):
        answer = bob.get(path, follow_redirects=False)
        assert answer.status_code == 404, (path, answer.status_code, answer.text)
        assert answer.json()["error"]["code"] == "not_found"
    assert bob.post(f"/api/tts/job/{alice_tts}/cancel").status_code == 404
    denied = bob.post("/api/tts/generate", json={"text": "Let me borrow that.", "voice_model_id": journey["voice_id"]})
    assert denied.status_code == 404, denied.text
    for listing in ("/api/samples", "/api/training/jobs", "/api/tts/jobs", "/api/voices"):
        assert bob.get(listing).json()["items"] == [], listing
