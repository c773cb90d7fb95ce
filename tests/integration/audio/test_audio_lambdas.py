"""analyze-sample and enhance-sample against SecantusDB and moto, on real speech uploaded through a
presigned POST, with S3 events shaped (and URL-encoded) as S3 sends them."""

from __future__ import annotations

import io
from urllib.parse import quote_plus

import httpx
import numpy as np
import pytest
import soundfile as sf

from functions.orchestration import analyze_sample, enhance_sample
from tests.support import speech
from voiceclone.domain.samples import SampleStatus
from voiceclone.services.samples import CreateSampleRequest, create_sample
from voiceclone.store import get_store
from voiceclone.workflows.errors import JobNotRunnable

USER = "google-oauth2|alice smith"  # a '|' and a space: S3 events URL-encode both


@pytest.fixture(scope="module")
def czech_speech() -> tuple[np.ndarray, int]:
    return speech.concatenated_speech(25, speaker="small")


def encoded(samples: np.ndarray, rate: int, fmt: str = "FLAC") -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, samples, rate, format=fmt)
    return buffer.getvalue()


def s3_event(bucket: str, key: str, size: int = 0) -> dict:
    return {
        "Records": [
            {
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Post",
                "s3": {"bucket": {"name": bucket}, "object": {"key": quote_plus(key), "size": size}},
            }
        ]
    }


def upload_sample(settings, data: bytes, filename: str, transcript: str | None = None, user: str = USER):
    """Register a sample through the samples service and upload the file with its presigned POST."""
    store = get_store(settings)
    request = CreateSampleRequest(name="reading", filename=filename, transcript=transcript)
    created = create_sample(store, settings, user, request).model_dump()
    upload = created["upload"]
    response = httpx.post(upload["url"], data=upload["fields"], files={"file": (filename, data)}, timeout=30)
    assert response.status_code in (200, 204), response.text
    return created["sample"]["sample_id"], upload["fields"]["key"]


def analyze(settings, key: str) -> dict:
    return analyze_sample.lambda_handler(s3_event(settings.samples_bucket, key), None)["results"]


def test_good_speech_ends_ready_with_metrics_and_a_verdict(settings, czech_speech):
    samples, rate = czech_speech
    sample_id, key = upload_sample(settings, encoded(samples, rate), "reading.flac", "slovo " * 60)
    assert analyze(settings, key) == {key: "ready"}
    sample = get_store(settings).samples.get(USER, sample_id)
    assert sample.status == SampleStatus.READY and sample.suitable_for_training and sample.reasons == []
    assert (sample.format, sample.sample_rate, sample.channels) == ("flac", rate, 1)
    assert sample.duration_s == pytest.approx(25.0, abs=0.01)
    quality = sample.quality.model_dump()
    assert quality["snr_db"] > 40 and 0.5 < quality["speech_ratio"] <= 1
    assert quality["clipping_ratio"] < 0.001 and -40 < quality["loudness_lufs"] < -5
    assert 80 < quality["pitch"] < 400 and 0 < quality["quality_score"] <= 1
    assert quality["words_per_minute"] > 0


def test_noisy_speech_is_ready_but_not_suitable_with_the_reason(settings, czech_speech):
    samples, rate = czech_speech
    noise = np.random.default_rng(1).standard_normal(len(samples)).astype(np.float32)
    noisy = samples + noise * np.sqrt(np.mean(samples**2) / 10 ** (8 / 10))
    sample_id, key = upload_sample(settings, encoded(noisy / np.abs(noisy).max(), rate), "noisy.flac")
    assert analyze(settings, key) == {key: "ready"}
    sample = get_store(settings).samples.get(USER, sample_id)
    assert not sample.suitable_for_training
    assert any(r.startswith("SNR") for r in sample.reasons)
    assert sample.unusable_reason().startswith("not suitable for training: SNR")


def test_a_text_file_named_wav_is_rejected(settings):
    sample_id, key = upload_sample(settings, b"this is not audio\n" * 50, "voice.wav")
    assert analyze(settings, key) == {key: "rejected"}
    sample = get_store(settings).samples.get(USER, sample_id)
    assert sample.status == SampleStatus.REJECTED and not sample.suitable_for_training
    assert "text file" in sample.reasons[0]


def test_a_redelivered_event_changes_nothing(settings, czech_speech):
    samples, rate = czech_speech
    sample_id, key = upload_sample(settings, encoded(samples[: 8 * rate], rate, "WAV"), "short.wav")
    analyze(settings, key)
    first = get_store(settings).samples.get(USER, sample_id)
    assert analyze(settings, key) == {key: f"skipped: sample {sample_id} is already ready"}
    assert get_store(settings).samples.get(USER, sample_id).updated_at == first.updated_at


def test_content_type_and_size_are_rechecked(settings, aws, czech_speech, monkeypatch):
    samples, rate = czech_speech
    store = get_store(settings)
    created = create_sample(store, settings, USER, CreateSampleRequest(name="r", filename="a.wav")).model_dump()
    sample_id, key = created["sample"]["sample_id"], created["upload"]["fields"]["key"]
    # the presigned POST refuses other content types; an object stored directly must still be refused
    aws.client("s3").put_object(Bucket=settings.samples_bucket, Key=key, Body=encoded(samples, rate, "WAV"), ContentType="text/plain")
    assert analyze(settings, key) == {key: "rejected"}
    assert "uploaded as text/plain, not audio" in store.samples.get(USER, sample_id).reasons[0]

    monkeypatch.setattr(settings, "upload_max_bytes", 10_000)
    big = create_sample(store, settings, USER, CreateSampleRequest(name="r", filename="big.flac")).model_dump()
    big_id, big_key = big["sample"]["sample_id"], big["upload"]["fields"]["key"]
    # the POST policy refuses it where it is enforced; the Lambda re-checks an object stored around it
    aws.client("s3").put_object(Bucket=settings.samples_bucket, Key=big_key, Body=encoded(samples, rate), ContentType="audio/flac")
    assert analyze(settings, big_key) == {big_key: "rejected"}
    assert "the limit is" in store.samples.get(USER, big_id).reasons[0]


def test_a_vanished_object_ends_rejected(settings, aws, czech_speech):
    samples, rate = czech_speech
    sample_id, key = upload_sample(settings, encoded(samples, rate), "gone.flac")
    aws.client("s3").delete_object(Bucket=settings.samples_bucket, Key=key)
    assert analyze(settings, key) == {key: "rejected"}
    assert "gone" in get_store(settings).samples.get(USER, sample_id).reasons[0]


def test_an_unexpected_failure_ends_rejected_not_analyzing(settings, czech_speech, monkeypatch):
    from voiceclone.workflows import samples as tasks

    samples, rate = czech_speech
    sample_id, key = upload_sample(settings, encoded(samples, rate), "crash.flac")

    def broken_analysis(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(tasks, "analyze", broken_analysis)  # fault injection
    assert analyze(settings, key) == {key: "rejected"}
    sample = get_store(settings).samples.get(USER, sample_id)
    assert sample.status == SampleStatus.REJECTED and "analysis failed (RuntimeError)" in sample.reasons[0]


def test_events_for_other_users_buckets_or_prefixes_touch_nothing(settings, czech_speech):
    samples, rate = czech_speech
    sample_id, key = upload_sample(settings, encoded(samples, rate), "mine.flac")
    foreign_key = key.replace(quote_plus(USER), "mallory").replace(USER, "mallory")
    results = analyze_sample.lambda_handler(
        {"Records": s3_event(settings.samples_bucket, foreign_key)["Records"]
         + s3_event("another-bucket", key)["Records"]
         + s3_event(settings.samples_bucket, "prepared/x/y/z/clip_000.wav")["Records"]},
        None,
    )["results"]
    assert all(outcome.startswith("skipped") for outcome in results.values())
    assert get_store(settings).samples.get(USER, sample_id).status == SampleStatus.UPLOADING


def test_enhance_sample_writes_clips_and_returns_their_keys(settings, aws, czech_speech):
    samples, rate = czech_speech
    noise = np.random.default_rng(2).standard_normal(len(samples)).astype(np.float32) * 0.01
    padded = np.concatenate([np.zeros(2 * rate), samples + noise, np.zeros(rate)]).astype(np.float32)
    words = " ".join(f"slovo{i}" for i in range(60))
    sample_id, key = upload_sample(settings, encoded(padded, rate, "WAV"), "long.wav", words)
    event = {"job_id": "trn_test1", "user_id": USER,
             "sample": {"sample_id": sample_id, "key": key, "transcript": words, "language": "cs"}}
    result = enhance_sample.lambda_handler(event, None)
    assert result["sample_id"] == sample_id and result["sample_rate"] == 22050
    clips = result["clips"]
    assert len(clips) >= 3
    assert " ".join(c["transcript"] for c in clips).split() == words.split()
    s3 = aws.client("s3")
    for index, clip in enumerate(clips):
        assert clip["key"] == f"prepared/{USER}/trn_test1/{sample_id}/clip_{index:03d}.wav"
        assert clip["language"] == "cs" and 0 < clip["duration_s"] <= 11.0
        body = s3.get_object(Bucket=settings.samples_bucket, Key=clip["key"])["Body"].read()
        audio, clip_rate = sf.read(io.BytesIO(body))
        assert clip_rate == 22050 and audio.ndim == 1
        assert len(audio) / clip_rate == pytest.approx(clip["duration_s"], abs=0.001)
    assert sum(c["duration_s"] for c in clips) == pytest.approx(25.0, abs=1.0)  # silence trimmed


def test_enhance_sample_accepts_flat_items_and_refuses_other_users_keys(settings, czech_speech):
    samples, rate = czech_speech
    sample_id, key = upload_sample(settings, encoded(samples[: 6 * rate], rate), "flat.flac")
    flat = {"job_id": "trn_test2", "user_id": USER, "sample_id": sample_id, "key": key}
    assert len(enhance_sample.lambda_handler(flat, None)["clips"]) == 1
    with pytest.raises(JobNotRunnable, match="does not belong"):
        enhance_sample.lambda_handler({**flat, "user_id": "mallory"}, None)


def test_enhance_sample_explains_an_unusable_file(settings):
    sample_id, key = upload_sample(settings, b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(8), "broken.wav")
    with pytest.raises(JobNotRunnable, match=f"sample '{sample_id}' cannot be used for training: the wav file"):
        enhance_sample.lambda_handler({"job_id": "trn_t3", "user_id": USER, "sample": {"sample_id": sample_id, "key": key}}, None)
