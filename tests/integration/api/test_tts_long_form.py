"""TTS requests for long and multilingual texts and style: detected languages reported in the job, parts
in languages the voice's engine lacks refused (422) naming them, style references of one's own ready
samples only, and the timestamps and subtitles of a completed job."""

from __future__ import annotations

import pytest

from tests.integration.api.conftest import make_ready_sample, make_ready_voice
from tests.support import webvtt
from tests.unit.text.calibration_texts import LONG
from voiceclone.domain.jobs import JobStatus
from voiceclone.domain.long_form import plan
from voiceclone.domain.registry import ModelType
from voiceclone.domain.samples import VoiceSample
from voiceclone.domain.timestamps import SentenceTime, Timestamps, to_webvtt
from voiceclone.domain.voices import VoiceModel


@pytest.fixture
def voice(store):
    return make_ready_voice(store, "alice")


def _generate(api, voice_id: str, text: str, **extra):
    return api.post("/api/tts/generate", body={"text": text, "voice_model_id": voice_id, **extra})


def _voice_of(store, user_id: str, model_type: ModelType) -> str:
    voice_id = f"voice_{model_type.value}"
    store.voices.create(VoiceModel(voice_id=voice_id, user_id=user_id, name="v", model_type=model_type))
    store.voices.mark_ready(user_id, voice_id, artifact_keys={"x": "y"}, languages=["en"])
    return voice_id


def test_an_omitted_language_is_detected_and_reported(api, voice, state_machines):
    job = _generate(api, voice, LONG["de"]).json
    assert (job["language"], job["language_detected"]) == ("de", True)
    assert job["language_confidence"] >= 0.9 and job["language_parts"] == []


def test_a_given_language_is_kept_and_too_little_text_keeps_the_voices(api, voice, state_machines):
    given = _generate(api, voice, LONG["de"], language="fr").json
    assert (given["language"], given["language_detected"], given["language_confidence"]) == ("fr", False, None)
    tiny = _generate(api, voice, "OK!").json
    assert (tiny["language"], tiny["language_detected"]) == ("en", False)  # the voice's language


def test_a_mixed_text_is_split_into_parts_in_each_language(api, voice, state_machines):
    text = f"{LONG['en']}\n\n{LONG['de']}\n\n{LONG['en']}"
    job = _generate(api, voice, text).json
    assert job["language"] == "en" and job["language_detected"] is True
    parts = job["language_parts"]
    assert [p["language"] for p in parts] == ["en", "de", "en"]
    assert text[parts[1]["start"] : parts[1]["end"]] == LONG["de"]


def test_a_part_in_a_language_the_engine_lacks_is_refused_naming_it(api, store, state_machines):
    yourtts = _voice_of(store, "alice", ModelType.YOURTTS)  # en, fr, pt
    response = _generate(api, yourtts, f"{LONG['en']}\n\n{LONG['de']}")
    assert response.status == 422 and response.error_code == "validation_error"
    message = response.json["error"]["message"]
    start = len(LONG["en"]) + 2
    assert f"characters {start}-{start + len(LONG['de'])}" in message and " in de," in message
    assert "Der alte Leuchtturm" in message
    assert _generate(api, yourtts, LONG["fr"]).json["language"] == "fr"


def test_a_style_reference_must_be_an_own_ready_sample(api, store, voice, state_machines):
    own = make_ready_sample(store, "alice")
    job = _generate(api, voice, "Speak this with some energy.", style_sample_id=own).json
    assert job["style_sample_id"] == own and job["status"] == "pending"
    theirs = make_ready_sample(store, "bob")
    refused = _generate(api, voice, "Speak this with some energy.", style_sample_id=theirs)
    assert refused.status == 404 and refused.error_code == "not_found"
    analyzing = store.samples.create(VoiceSample(sample_id="smp_analyzing", user_id="alice", name="clip",
                                                 filename="clip.wav", content_type="audio/wav",
                                                 s3_key="raw/alice/smp_analyzing/clip.wav")).sample_id
    store.samples.mark_analyzing("alice", analyzing)
    not_ready = _generate(api, voice, "Speak this with some energy.", style_sample_id=analyzing)
    assert not_ready.status == 422 and "analyzing" in not_ready.json["error"]["message"]


def test_style_only_where_the_engine_honours_it(api, store, voice, state_machines):
    yourtts = _voice_of(store, "alice", ModelType.YOURTTS)
    sample = make_ready_sample(store, "alice")
    response = _generate(api, yourtts, "Hello there, friend.", style_sample_id=sample)
    assert response.status == 422 and "style reference" in response.json["error"]["message"]
    response = _generate(api, voice, "Hello there, friend.", style_instructions="whispered")
    assert response.status == 422 and "style_instructions" in response.json["error"]["message"]


def _complete(store, settings, aws, job_id: str, text: str, with_timing: bool = True) -> Timestamps:
    s3 = aws.client("s3")
    s3.put_object(Bucket=settings.outputs_bucket, Key=f"tts/alice/{job_id}.mp3", Body=b"ID3fake")
    sentences = [SentenceTime(index=s.index, paragraph=s.paragraph, language="en", text=s.text,
                              start_s=s.index * 2.0, end_s=s.index * 2.0 + 1.5) for s in plan(text, "en")]
    timestamps = Timestamps(job_id=job_id, duration_s=len(sentences) * 2.0, sentences=sentences)
    if with_timing:
        s3.put_object(Bucket=settings.outputs_bucket, Key=f"tts/alice/{job_id}.timestamps.json",
                      Body=timestamps.model_dump_json().encode())
        s3.put_object(Bucket=settings.outputs_bucket, Key=f"tts/alice/{job_id}.vtt", Body=to_webvtt(timestamps).encode())
    store.tts.transition("alice", job_id, JobStatus.PROCESSING)
    store.tts.transition("alice", job_id, JobStatus.COMPLETED, output_key=f"tts/alice/{job_id}.mp3")
    return timestamps


def test_timestamps_and_subtitles_of_a_completed_job(api, store, settings, aws, voice, state_machines):
    text = "One sentence. Two sentences!\n\nA new paragraph & more."
    job_id = _generate(api, voice, text).json["job_id"]
    assert api.get(f"/api/tts/job/{job_id}/timestamps").status == 409
    assert api.get(f"/api/tts/job/{job_id}/subtitles.vtt").status == 409
    written = _complete(store, settings, aws, job_id, text)
    answer = api.get(f"/api/tts/job/{job_id}/timestamps")
    assert answer.status == 200 and Timestamps.model_validate(answer.json) == written
    vtt = api.get(f"/api/tts/job/{job_id}/subtitles.vtt")
    assert vtt.status == 200 and vtt.headers["content-type"].startswith("text/vtt")
    assert webvtt.problems(vtt.body) == [] and "A new paragraph &amp; more." in vtt.body
    assert api.get(f"/api/tts/job/{job_id}/timestamps", user="bob").status == 404


def test_a_completed_job_without_timing_files_is_404(api, store, settings, aws, voice, state_machines):
    job_id = _generate(api, voice, "Said by a remote engine.").json["job_id"]
    _complete(store, settings, aws, job_id, "Said by a remote engine.", with_timing=False)
    response = api.get(f"/api/tts/job/{job_id}/timestamps")
    assert response.status == 404 and response.error_code == "not_found"
