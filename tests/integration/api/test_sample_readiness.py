"""Samples judged for a model type and quality target; a fine-tune needs transcripts; PATCH fixes a
sample's transcript and language; the job's language comes from its samples."""

from __future__ import annotations

import pytest

from voiceclone.domain.ids import SAMPLE_PREFIX, new_id
from voiceclone.domain.sample_verdict import AudioMetrics
from voiceclone.domain.samples import SampleStatus, VoiceSample

from .conftest import make_ready_sample

MEASURED = {
    "duration_s": 40.0,
    "speech_duration_s": 32.0,
    "speech_ratio": 0.8,
    "snr_db": 30.0,
    "noise_floor_dbfs": -62.0,
    "dynamic_range_db": 40.0,
    "loudness_lufs": -21.0,
    "true_peak_dbtp": -3.0,
    "peak_dbfs": -3.2,
    "clipping_ratio": 0.0,
    "dc_offset": 0.0,
    "bandwidth_hz": 11_025.0,
    "channel_correlation": None,
    "nonfinite_ratio": 0.0,
    "leading_silence_s": 0.3,
    "trailing_silence_s": 0.4,
    "longest_pause_s": 0.8,
    "pitch_median_hz": 120.0,
    "pitch_p5_hz": 90.0,
    "pitch_p95_hz": 190.0,
    "pitch_spread_semitones": 12.9,
    "voiced_ratio": 0.6,
    "metrics_version": 2,
}


def measured_sample(
    store, user_id: str, *, transcript: str | None = None, language: str | None = "en", **metrics
) -> str:
    """A ready sample whose stored quality holds complete measurements (as analyze-sample stores them)."""
    from voiceclone.domain.sample_verdict import judge

    measured = AudioMetrics(**{**MEASURED, **metrics})
    verdict = judge(measured, 22_050, 1)
    sample_id = new_id(SAMPLE_PREFIX)
    store.samples.create(
        VoiceSample(
            sample_id=sample_id,
            user_id=user_id,
            name="take",
            filename="take.ogg",
            content_type="audio/ogg",
            s3_key=f"raw/{user_id}/{sample_id}/take.ogg",
            transcript=transcript,
            language=language,
        )
    )
    store.samples.mark_analyzing(user_id, sample_id)
    store.samples.mark_analyzed(
        user_id,
        sample_id,
        status=SampleStatus.READY,
        reasons=verdict.reasons,
        suitable_for_training=verdict.suitable_for_training,
        quality={**measured.model_dump(), "quality_score": verdict.quality_score, "advice": verdict.advice},
        metadata={"duration_s": measured.duration_s, "sample_rate": 22_050, "channels": 1, "format": "OGG"},
    )
    return sample_id


def _start(api, sample_ids, model_type="xtts_v2", **extra):
    body = {
        "voice_name": "V",
        "sample_ids": sample_ids,
        "training_config": {"model_type": model_type},
        **extra,
    }
    return api.post("/api/training/start", body=body)


def test_fine_tune_without_transcripts_is_refused_naming_each_sample(api, store, state_machines):
    bare = [make_ready_sample(store, "alice", transcript=None) for _ in range(2)]
    with_text = make_ready_sample(store, "alice")
    refused = _start(api, [*bare, with_text])
    assert refused.status == 422 and refused.error_code == "samples_not_usable"
    message = refused.json["error"]["message"]
    for sample_id in bare:
        assert f"{sample_id}: no transcript" in message and f"PATCH /api/samples/{sample_id}" in message
    assert with_text not in message
    checked = api.post(
        "/api/training/validate-samples", body={"sample_ids": bare, "model_type": "xtts_v2"}
    ).json
    assert checked["valid"] is False and all("no transcript" in s["reason"] for s in checked["samples"])
    assert _start(api, bare, model_type="xtts_v2_instant").status == 202  # instant voices need none


def test_fine_tune_without_transcripts_is_accepted_when_an_asr_model_is_configured(
    api, store, state_machines, monkeypatch
):
    from voiceclone import config

    monkeypatch.setenv("VOICECLONE_ASR_MODEL", "/models/asr")
    config.get_settings.cache_clear()
    assert _start(api, [make_ready_sample(store, "alice", transcript=None)]).status == 202


def test_patch_sets_the_transcript_and_the_fine_tune_can_start(api, store, state_machines):
    sample = measured_sample(store, "alice")
    assert _start(api, [sample]).status == 422
    patched = api.patch(f"/api/samples/{sample}", body={"transcript": "  One two three four five.  "})
    assert patched.status == 200, patched.body
    assert patched.json["transcript"] == "One two three four five."
    # 5 words over 32 s of speech: 9 words per minute, judged again (advice: check the transcript)
    assert round(patched.json["quality"]["words_per_minute"], 1) == 9.4
    assert any("words per minute" in advice for advice in patched.json["quality"]["advice"])
    assert _start(api, [sample]).status == 202


def test_patch_language_and_clearing_the_transcript(api, store):
    sample = measured_sample(store, "alice", transcript="Ahoj.")
    patched = api.patch(f"/api/samples/{sample}", body={"language": "CS", "transcript": None})
    assert patched.status == 200, patched.body
    assert patched.json["language"] == "cs" and patched.json["transcript"] is None
    assert patched.json["quality"]["words_per_minute"] is None
    assert api.patch(f"/api/samples/{sample}", body={"transcript": "kept"}).json["language"] == "cs"


@pytest.mark.parametrize(
    "body", [{}, {"language": "xx"}, {"transcript": "x" * 10_001}, {"owner": "bob"}, {"transcript": 5}]
)
def test_patch_refuses_bad_bodies(api, store, body):
    sample = measured_sample(store, "alice")
    assert api.patch(f"/api/samples/{sample}", body=body).status == 422


def test_patch_on_another_users_sample_is_404_and_changes_nothing(api, store):
    sample = measured_sample(store, "bob", transcript="Bob's words.")
    assert api.patch(f"/api/samples/{sample}", body={"transcript": "mine now"}).status == 404
    assert store.samples.get("bob", sample).transcript == "Bob's words."


def test_quality_target_decides_for_the_same_sample(api, store, state_machines):
    noisy = measured_sample(store, "alice", transcript="Hello there, how are you today?", snr_db=18.0)
    for target, usable in (("low", True), ("medium", True), ("high", False)):
        checked = api.post(
            "/api/training/validate-samples", body={"sample_ids": [noisy], "quality_target": target}
        ).json
        assert checked["samples"][0]["usable"] is usable, (target, checked)
        suitable = api.get("/api/training/samples/suitable", query={"quality_target": target}).json
        assert ([s["sample_id"] for s in suitable["items"]] == [noisy]) is usable
    assert _start(api, [noisy]).status == 202  # medium by default
    refused = api.post(
        "/api/training/start",
        body={"voice_name": "V", "sample_ids": [noisy], "training_config": {"quality_target": "high"}},
    )
    assert refused.status == 422 and "SNR 18" in refused.json["error"]["message"]


def test_job_language_comes_from_the_samples(api, store, state_machines):
    czech = [measured_sample(store, "alice", transcript="Ahoj, jak se máš?", language="cs") for _ in range(2)]
    job = _start(api, czech).json
    assert job["language"] == "cs" and job["language_shares"] == {"cs": 1.0} and job["warnings"] == []
    voice = api.get(f"/api/voices/{job['voice_id']}").json
    assert voice["languages"] == ["cs"]


def test_mixed_languages_take_the_majority_and_say_so(api, store, state_machines):
    czech = measured_sample(store, "alice", transcript="Ahoj.", language="cs", duration_s=60.0)
    english = measured_sample(store, "alice", transcript="Hello.", language="en", duration_s=20.0)
    job = _start(api, [czech, english], model_type="xtts_v2_instant").json
    assert job["language"] == "cs" and job["language_shares"] == {"cs": 0.75, "en": 0.25}
    assert "several languages" in job["warnings"][0] and "cs 75%" in job["warnings"][0]
    explicit = _start(api, [czech, english], model_type="xtts_v2_instant", language="en").json
    assert explicit["language"] == "en"
